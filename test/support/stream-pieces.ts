/**
 * What the fake model services share when they stream: an answer cut into pieces (text at word
 * boundaries, tool arguments in fragments), pieces written with a pause between them so that a
 * test can tell streaming from buffering, and a record of how far the fake got.
 */
import type { ServerResponse } from 'node:http';

/** How a fake answered one request; tests read it to tell a streamed call from a buffered one. */
export interface StreamRecord {
  /** The request asked for a streamed answer. */
  streamed: boolean;
  /** Pieces of the streamed answer written so far. */
  piecesSent: number;
  /** The fake has written the last piece of its streamed answer (an error event, when it ended with one). */
  lastPieceSent: boolean;
}

export const newStreamRecord = (streamed: boolean): StreamRecord => ({ streamed, piecesSent: 0, lastPieceSent: false });

/** The pause between two pieces of a streamed answer, unless a fake is told otherwise. */
export const DEFAULT_PIECE_DELAY_MS = 30;

/** Text in at most `max` pieces, cut after whitespace: `Nothing to do.` → `Nothing `, `to `, `do.`. */
export function splitText(text: string, max = 6): string[] {
  const words = text.split(/(?<=\s)(?=\S)/);
  const size = Math.ceil(words.length / max);
  const pieces: string[] = [];
  for (let i = 0; i < words.length; i += size) pieces.push(words.slice(i, i + size).join(''));
  return pieces.length > 0 ? pieces : [''];
}

/** A string (tool arguments as JSON) in at most `max` fragments of about equal length; none for ''. */
export function splitFragments(text: string, max = 3): string[] {
  const count = Math.min(max, text.length);
  const size = Math.ceil(text.length / Math.max(count, 1));
  const fragments: string[] = [];
  for (let i = 0; i < text.length; i += size) fragments.push(text.slice(i, i + size));
  return fragments;
}

/** One unit the wire sends (an SSE event, an event-stream frame); `opens` starts a new piece with it. */
export interface WireEvent<T> {
  data: T;
  opens?: boolean;
}

/** Events grouped into pieces: a piece runs from one opening event to the next. */
export function groupPieces<T>(events: Array<WireEvent<T>>): T[][] {
  const pieces: T[][] = [];
  for (const event of events) {
    if (event.opens || pieces.length === 0) pieces.push([]);
    pieces.at(-1)!.push(event.data);
  }
  return pieces;
}

/** Resolves after `ms`, or as soon as the client goes away. */
export function pause(res: ServerResponse, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      res.off('close', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    res.on('close', done);
  });
}

/**
 * Writes the pieces with a pause before each but the first, counting them on `record`, then ends
 * the response, or with `cut` closes the connection instead, the response unfinished. The headers
 * must be written already. Stops when the client goes away.
 */
export async function writePieces(res: ServerResponse, pieces: ReadonlyArray<string | Uint8Array>, record: StreamRecord, pauseMs: number, cut = false): Promise<void> {
  for (const [i, piece] of pieces.entries()) {
    if (i > 0) await pause(res, pauseMs);
    if (res.destroyed || res.writableEnded) return;
    res.write(piece);
    record.piecesSent += 1;
    if (i === pieces.length - 1) record.lastPieceSent = true;
  }
  if (!cut) return void res.end();
  // Let the written pieces reach the client before the connection goes.
  await pause(res, pauseMs);
  res.socket?.destroy();
}

/** A JSON object, if `text` is one: a response written by hand, which a fake can also stream. */
export function jsonObject(text: string): Record<string, any> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, any>) : undefined;
  } catch {
    return undefined;
  }
}

/** How many pieces of an answer go out before an error cuts it: as asked (0: the error comes first), else the first half; never all. */
export const piecesBeforeError = (total: number, asked: number | undefined): number => Math.max(0, Math.min(asked ?? Math.max(1, Math.floor(total / 2)), total - 1));
