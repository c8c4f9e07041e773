import { closeSync, constants, openSync, readSync } from 'node:fs';
import { open as openHandle } from 'node:fs/promises';

/**
 * A /proc file read again and again through one open descriptor, synchronously. procfs regenerates a file's content
 * on every read at offset 0 (seq_file), in the kernel, without waiting on a disk: a pread takes microseconds, less
 * than the thread-pool round trip and promise of an asynchronous one, and a readFile costs four calls (open, fstat,
 * read, close) where this costs one.
 */
export interface ProcFile {
  read(): string;
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
  let fd: number | undefined;
  let buffer = Buffer.allocUnsafe(Math.min(INITIAL_BUFFER_BYTES, maxBytes + 1));

  const forget = () => {
    if (fd !== undefined) closeSync(fd);
    fd = undefined;
  };

  const readWhole = (handle: number): string => {
    let bytes = readSync(handle, buffer, 0, buffer.length, 0);
    // A full buffer may have cut the file short: grow it and read the whole again.
    while (bytes === buffer.length) {
      if (buffer.length > maxBytes) throw tooLarge(maxBytes);
      buffer = Buffer.allocUnsafe(Math.min(buffer.length * 2, maxBytes + 1));
      bytes = readSync(handle, buffer, 0, buffer.length, 0);
    }
    return buffer.toString('utf8', 0, bytes);
  };

  return {
    read() {
      try {
        // O_NONBLOCK: a FIFO put in a file's place fails at once instead of holding the event loop.
        fd ??= openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
        return readWhole(fd);
      } catch (err) {
        forget(); // reopen next time: the file may come back (a fixture rewritten, procfs remounted)
        throw err;
      }
    },
    close: forget,
  };
}
