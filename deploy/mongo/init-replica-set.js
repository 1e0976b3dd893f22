// One-shot job (mongosh --nodb): initiates the replica set rs0 if it is not yet initiated,
// waits for a primary, then creates the application's user if it does not exist. Idempotent,
// so it runs on every `docker compose up`.
//
// It logs in to mongo1 as the root user that the mongo image created there on its first start
// (MONGO_INITDB_ROOT_USERNAME / _PASSWORD); the other members have no users of their own until
// they replicate them. Credentials come from the environment, never from a command line.
/* global connect, print, sleep, quit -- mongosh's shell functions */
const env = process.env;
const enc = encodeURIComponent;
const root = `${enc(env.MONGO_ROOT_USER)}:${enc(env.MONGO_ROOT_PASSWORD)}`;
const hosts = ['mongo1:27017', 'mongo2:27017', 'mongo3:27017'];

const first = connect(`mongodb://${root}@${hosts[0]}/admin?directConnection=true&authSource=admin`);
try {
  first.adminCommand({ replSetGetStatus: 1 });
  print('rs0 already initiated');
} catch (error) {
  if (error.codeName !== 'NotYetInitialized') throw error;
  first.adminCommand({
    replSetInitiate: {
      _id: 'rs0',
      members: hosts.map((host, i) => ({ _id: i, host, priority: i === 0 ? 2 : 1 })),
    },
  });
  print('rs0 initiated');
}

let primary;
for (let i = 0; i < 120 && !primary; i++) {
  primary = first.adminCommand({ replSetGetStatus: 1 }).members.find((m) => m.stateStr === 'PRIMARY');
  if (!primary) sleep(1000);
}
if (!primary) {
  print('rs0 has no primary after 120 s');
  quit(1);
}
print(`rs0 primary: ${primary.name}`);

// Users are written on the primary: connect to the set, not to one member.
const admin = connect(`mongodb://${root}@${hosts.join(',')}/admin?replicaSet=rs0&authSource=admin`);
const user = env.MONGO_APP_USER;
const roles = [{ role: 'readWrite', db: env.MONGO_DATABASE }];
if (admin.getUser(user)) {
  admin.updateUser(user, { pwd: env.MONGO_APP_PASSWORD, roles });
  print(`user ${user} updated`);
} else {
  admin.createUser({ user, pwd: env.MONGO_APP_PASSWORD, roles });
  print(`user ${user} created (readWrite on ${env.MONGO_DATABASE})`);
}
