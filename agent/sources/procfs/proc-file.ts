import { close, open, read } from 'node:fs';
import { open as openHandle } from 'node:fs/promises';

/**
 * A /proc file read again and again through one open descriptor. procfs regenerates a file's content on every read
 * at offset 0 (seq_file), so a pread costs one thread-pool round trip where readFile costs four (open, fstat, read,
 * close): measured here, a third of the CPU for the per-second /proc reads.
 */
export interface ProcFile {
  read(): Promise<string>;
  close(): void;
}

const INITIAL_BUFFER_BYTES = 16 * 1024;

/** The error of a file past its cap: a 50 MB meminfo, or /dev/zero in its place, must fail, not fill the memory. */
function tooLarge(maxBytes: number): Error {
  return new Error(`larger than ${maxBytes} bytes`);
}

/** A file read once, whole, up to `maxBytes` (beyond, it fails). */
export async function readCapped(path: string, maxBytes: number): Promise<string> {
  const handle = await openHandle(path, 'r');
  try {
    const buffer = Buffer.allocUnsafe(maxBytes + 1);
    let length = 0;
    for (let bytes = -1; bytes !== 0 && length <= maxBytes; length += bytes) {
      ({ bytesRead: bytes } = await handle.read(buffer, length, buffer.length - length, length));
    }
    if (length > maxBytes) throw tooLarge(maxBytes);
    return buffer.toString('utf8', 0, length);
  } finally {
    await handle.close();
  }
}

/** `maxBytes`: the size beyond which a read fails rather than grow its buffer again. */
export function openProcFile(path: string, maxBytes: number): ProcFile {
  let fd: Promise<number> | undefined;
  let buffer = Buffer.allocUnsafe(Math.min(INITIAL_BUFFER_BYTES, maxBytes + 1));

  const descriptor = () =>
    (fd ??= new Promise<number>((resolve, reject) => open(path, 'r', (err, opened) => (err ? reject(err) : resolve(opened)))));

  const pread = (handle: number) =>
    new Promise<number>((resolve, reject) => read(handle, buffer, 0, buffer.length, 0, (err, bytes) => (err ? reject(err) : resolve(bytes))));

  const forget = () => {
    const stale = fd;
    fd = undefined;
    void stale?.then((handle) => close(handle, () => undefined), () => undefined);
  };

  const readOnce = async (): Promise<string> => {
    try {
      const handle = await descriptor();
      let bytes = await pread(handle);
      // A full buffer may have cut the file short: grow it and read the whole again.
      while (bytes === buffer.length) {
        if (buffer.length > maxBytes) throw tooLarge(maxBytes);
        buffer = Buffer.allocUnsafe(Math.min(buffer.length * 2, maxBytes + 1));
        bytes = await pread(handle);
      }
      return buffer.toString('utf8', 0, bytes);
    } catch (err) {
      forget(); // reopen next time: the file may come back (a fixture rewritten, procfs remounted)
      throw err;
    }
  };

  // One read at a time: they share the buffer (a read abandoned by a timeout may still be running).
  let queue: Promise<unknown> = Promise.resolve();
  return {
    read() {
      const next = queue.then(readOnce, readOnce);
      queue = next.catch(() => undefined);
      return next;
    },
    close: forget,
  };
}
