/** node_exporter's uname, stat (boot time) and time collector families, from the inventory read at start. */
import type { Inventory } from '../sources/types';
import { weakMemo } from '../weak-memo';
import { family, single, type Family } from './family';

/** The inventory's families, built once per inventory: it is read once at start. */
const inventoryFamilies = weakMemo((inventory: Inventory): Family[] => {
  const { domainname, machine, nodename, release, sysname, version } = inventory.uname;
  return [
    family('node_uname_info', 'Labeled system information as provided by the uname system call.', 'gauge', [
      [{ domainname, machine, nodename, release, sysname, version }, 1],
    ]),
    single('node_boot_time_seconds', 'Node boot time, in unixtime.', 'gauge', inventory.bootTimeSeconds),
  ];
});

export function systemFamilies(inventory: Inventory, nowSeconds: number): Family[] {
  return [...inventoryFamilies(inventory), single('node_time_seconds', 'System time in seconds since epoch (1970).', 'gauge', nowSeconds)];
}
