// Follows a server stream for a page: every snapshot goes to render; after
// a dropped connection it opens a new stream with backoff (a stream, never
// a poll); an answer that will not change by retrying ends it.

import { Code, ConnectError } from "../../../sdk/ts/src/index.js";
import type { Context } from "./session.js";

export interface FollowOptions<T> {
  /** Opens the stream. */
  open(signal: AbortSignal): AsyncIterable<T>;
  render(snapshot: T): void;
  /** Says how the stream is doing, in the page's live status line. */
  setLive(text: string): void;
  /** The stream ended for good: not found, not allowed, invalid. */
  fail(message: string): void;
}

/** Follows the stream until the page goes away, the token ends or the server refuses for good. */
export async function follow<T>(ctx: Context, o: FollowOptions<T>): Promise<void> {
  const stop = new AbortController();
  const signal = stop.signal;
  let backoff = 1000;
  while (!signal.aborted) {
    try {
      for await (const snapshot of o.open(signal)) {
        backoff = 1000;
        o.setLive("Live: updates appear as they happen.");
        o.render(snapshot);
      }
    } catch (err) {
      if (signal.aborted) return;
      if (ctx.handleAuthError(err)) {
        stop.abort();
        return;
      }
      const ce = ConnectError.from(err);
      if (ce.code === Code.NotFound || ce.code === Code.PermissionDenied || ce.code === Code.InvalidArgument) {
        o.fail(ce.rawMessage);
        o.setLive("Not watching.");
        return;
      }
    }
    o.setLive(`Connection lost; reconnecting in ${Math.round(backoff / 1000)} s…`);
    await new Promise((resolve) => window.setTimeout(resolve, backoff));
    backoff = Math.min(backoff * 2, 30000);
  }
}
