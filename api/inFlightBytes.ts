/**
 * A budget of request bytes one API process holds in memory at once. Uploads are received into
 * memory (multer's memory storage: they are sniffed, checked and encrypted whole), so without a
 * bound N concurrent uploads hold N times the largest file. An upload reserves what it declares
 * (Content-Length, capped at what we would read at most) before its body is read, and gives it
 * back when its handler is done; what does not fit is answered `503 temporarily_unavailable` with
 * `retryAfterSeconds`, before anything is read or stored.
 */
import type { Request } from 'express';
import { ApiError } from './errors';

export interface Reservation {
  bytes: number;
  release(): void;
}

export class InFlightBytes {
  private used = 0;

  constructor(
    /** Total bytes that may be reserved at once. */
    readonly limit: number,
    /** What one request may reserve at most (the largest body we read). */
    readonly perRequest: number,
    /** Told to clients that hit the budget. */
    readonly retryAfterSeconds = 5,
  ) {}

  get inUse(): number {
    return this.used;
  }

  /** Reserves the body of `req` (its declared length, or `perRequest` when unknown); throws 503 when it does not fit. */
  reserve(req: Request): Reservation {
    const declared = Number(req.headers['content-length']);
    const bytes = Number.isSafeInteger(declared) && declared > 0 ? Math.min(declared, this.perRequest) : this.perRequest;
    if (this.used + bytes > this.limit) {
      throw new ApiError(503, 'temporarily_unavailable', `we are receiving many uploads right now; please retry in ${this.retryAfterSeconds} s`, {
        retryAfterSeconds: this.retryAfterSeconds,
      });
    }
    this.used += bytes;
    let released = false;
    return {
      bytes,
      release: () => {
        if (released) return;
        released = true;
        this.used -= bytes;
      },
    };
  }
}
