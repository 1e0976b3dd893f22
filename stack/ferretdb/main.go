// Command ferretdb-embedded runs FerretDB v1 (the MongoDB wire protocol) on top of
// PostgreSQL for the development stack.
//
// Why a main module of our own: `go install .../cmd/ferretdb` panics at start
// (its build/version/version.txt is generated only when FerretDB is the main
// module), while the embeddable package works. Production uses real MongoDB.
package main

import (
	"context"
	"flag"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:27017", "TCP address to listen on")
	pgURL := flag.String("postgresql-url", "postgres://127.0.0.1:5432/ferretdb", "PostgreSQL connection string")
	debug := flag.Bool("debug", false, "log at debug level")
	flag.Parse()

	level := slog.LevelWarn
	if *debug {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	f, err := ferretdb.New(&ferretdb.Config{
		Listener:      ferretdb.ListenerConfig{TCP: *listen},
		Logger:        logger,
		Handler:       "postgresql",
		PostgreSQLURL: *pgURL,
	})
	if err != nil {
		logger.Error("cannot configure FerretDB", "error", err)
		os.Exit(1)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	go func() {
		// MongoDBURI blocks until the listener is bound: print it so the launcher
		// knows the server is ready.
		os.Stdout.WriteString("ready " + f.MongoDBURI() + "\n")
	}()

	if err := f.Run(ctx); err != nil && ctx.Err() == nil {
		logger.Error("FerretDB stopped", "error", err)
		os.Exit(1)
	}
}
