// @ts-check
/**
 * What an agent's overview row boils a sample down to. Plain functions of the events, no DOM: unit-tested in Node.
 */

/**
 * @typedef {import('../agent/events').Filesystem} Filesystem
 * @typedef {object} FullestFilesystem
 * @property {string} mountpoint
 * @property {'space' | 'inodes' | 'unreadable'} what what is nearest to running out (or that it cannot be read)
 * @property {number} usedRatio the share of that used, as df(1) Use% and IUse% (0 when unreadable)
 */

/** Inodes used, as df -i's IUse%; 0 where the source has no counts or the filesystem no fixed number. @param {Filesystem} fs */
export function inodesUsedRatio(fs) {
  const { files = 0, filesFree = 0 } = fs;
  return files > 0 ? 1 - filesFree / files : 0;
}

/**
 * The filesystem an overview should name: an unreadable one first (its mount is failing, and may hang), else the
 * writable one nearest to full in space or in inodes (either stops writes). A read-only mount cannot fill up, so it
 * counts only when every mount is read-only. The first in the agent's order wins a tie.
 * @param {Filesystem[]} filesystems
 * @returns {FullestFilesystem | undefined} undefined when there is none
 */
export function fullestFilesystem(filesystems) {
  const unreadable = filesystems.find((fs) => fs.error !== undefined);
  if (unreadable) return { mountpoint: unreadable.mountpoint, what: 'unreadable', usedRatio: 0 };
  const writable = filesystems.filter((fs) => !fs.readonly);
  /** @type {FullestFilesystem | undefined} */
  let fullest;
  for (const fs of writable.length > 0 ? writable : filesystems) {
    const inodes = inodesUsedRatio(fs);
    const candidate = inodes > fs.usedRatio ? { mountpoint: fs.mountpoint, what: /** @type {const} */ ('inodes'), usedRatio: inodes } : { mountpoint: fs.mountpoint, what: /** @type {const} */ ('space'), usedRatio: fs.usedRatio };
    if (!fullest || candidate.usedRatio > fullest.usedRatio) fullest = candidate;
  }
  return fullest;
}
