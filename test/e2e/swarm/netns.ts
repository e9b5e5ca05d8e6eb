import { execa } from 'execa';

/**
 * A network namespace joined to the host by a veth pair, with addresses from a private range
 * that exists only on this pair. A second Swarm node runs its engine in it: every node needs
 * its own VXLAN UDP port 4789 (and 2377, 7946), which one namespace cannot give twice.
 */
export interface NetNs {
  name: string;
  /** The host end's address (the Swarm manager advertises it). */
  hostIp: string;
  /** The namespace end's address (the worker advertises it). */
  nsIp: string;
  remove(): Promise<void>;
}

/** `subnet` is three octets of a private /24, e.g. "10.214.60": host .1, namespace .2. */
export async function createNetNs(name: string, subnet: string): Promise<NetNs> {
  const hostIf = `${name}-h`.slice(0, 15);
  const nsIf = `${name}-n`.slice(0, 15);
  const hostIp = `${subnet}.1`;
  const nsIp = `${subnet}.2`;
  const run = (...args: string[]) => execa('ip', args);
  await run('netns', 'del', name).catch(() => undefined);
  await run('link', 'del', hostIf).catch(() => undefined);
  await run('netns', 'add', name);
  await run('link', 'add', hostIf, 'type', 'veth', 'peer', 'name', nsIf);
  await run('link', 'set', nsIf, 'netns', name);
  await run('addr', 'add', `${hostIp}/24`, 'dev', hostIf);
  await run('link', 'set', hostIf, 'up');
  await run('-n', name, 'addr', 'add', `${nsIp}/24`, 'dev', nsIf);
  await run('-n', name, 'link', 'set', nsIf, 'up');
  await run('-n', name, 'link', 'set', 'lo', 'up');
  return {
    name,
    hostIp,
    nsIp,
    async remove() {
      await run('link', 'del', hostIf).catch(() => undefined);
      await run('netns', 'del', name).catch(() => undefined);
    },
  };
}
