/**
 * Evaluation for issue 7: can Debian's libnginx-mod-http-lua + lua-resty-core apply upstream
 * membership changes without a reload, and what would that save? Compares, on Debian's nginx,
 * the pool's way (rewrite the upstream, SIGHUP) with a `balancer_by_lua` upstream whose peers sit
 * in a shared dict set over HTTP; time from the change to the first request served by the new
 * peer, with a keep-alive client (as the edge's pool connections are) and with fresh connections.
 * No Docker or Consul: two loopback nginx servers are the peers. `npx tsx bench/lua-balancer.ts`
 * (needs `apt-get install libnginx-mod-http-lua lua-resty-core`); writes
 * bench/results/lua-balancer.json.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'node:http';
import { execa } from 'execa';
import { Child } from '../common/process/child.js';
import { freePort } from '../test/helpers/ports.js';
import { ROOT } from '../test/helpers/paths.js';
import { waitFor } from '../test/helpers/wait-for.js';
import { rssMb, childPids } from './lib/rss.js';
import { distribution } from './lib/stats.js';

const MODULES = '/usr/lib/nginx/modules';
const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 20;

function get(url: string, agent: Agent | false): Promise<string> {
  return new Promise((resolve) => {
    const req = request(url, { agent, timeout: 2_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve(body.trim()));
      res.on('error', () => resolve(''));
    });
    req.on('error', () => resolve(''));
    req.end();
  });
}

async function startNginx(dir: string, main: string, http: string, port: number) {
  for (const d of ['logs', 'tmp']) mkdirSync(join(dir, d), { recursive: true });
  const conf = join(dir, 'nginx.conf');
  writeFileSync(
    conf,
    `${main}
daemon off; master_process on; worker_processes 2; pid ${dir}/nginx.pid;
error_log ${dir}/logs/error.log warn;
events { worker_connections 1024; }
http {
  access_log off; client_body_temp_path ${dir}/tmp; proxy_temp_path ${dir}/tmp;
  fastcgi_temp_path ${dir}/tmp; uwsgi_temp_path ${dir}/tmp; scgi_temp_path ${dir}/tmp;
${http}
}
`,
  );
  await execa('nginx', ['-t', '-q', '-p', `${dir}/`, '-c', conf]);
  const child = new Child('nginx', ['-p', `${dir}/`, '-c', conf]);
  await waitFor(async () => (await get(`http://127.0.0.1:${port}/`, false)) !== '', {
    what: `nginx on ${port}`,
  });
  return child;
}

/** Time (ms) from `change()` to the first answer `want` on `url`. */
async function timeSwitch(
  url: string,
  agent: Agent | false,
  want: string,
  change: () => Promise<void> | void,
): Promise<number> {
  await get(url, agent); // warm the keep-alive connection
  const t0 = performance.now();
  await change();
  for (;;) {
    if ((await get(url, agent)) === want) return performance.now() - t0;
    if (performance.now() - t0 > 5_000) throw new Error(`no ${want} from ${url}`);
    await new Promise((r) => setTimeout(r, 1));
  }
}

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'lua-eval-'));
  const [pa, pb, reloadPort, luaPort] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  const peers = { A: `127.0.0.1:${pa}`, B: `127.0.0.1:${pb}` };
  const children: Child[] = [];
  try {
    children.push(
      await startNginx(
        join(root, 'peers'),
        '',
        `server { listen ${peers.A}; return 200 "A\\n"; }\nserver { listen ${peers.B}; return 200 "B\\n"; }`,
        pa,
      ),
    );
    // The pool's way: the upstream is in the config; a change rewrites it and reloads.
    const reloadDir = join(root, 'reload');
    mkdirSync(reloadDir, { recursive: true });
    const members = join(reloadDir, 'members.conf');
    writeFileSync(members, `server ${peers.A};\n`);
    const reload = await startNginx(
      reloadDir,
      '',
      `upstream u { include ${members}; keepalive 32; }
  server { listen 127.0.0.1:${reloadPort}; location / { proxy_http_version 1.1;
    proxy_set_header Connection ""; proxy_pass http://u; } }`,
      reloadPort,
    );
    children.push(reload);
    // The lua way: one upstream whose peer is chosen per request from a shared dict.
    const lua = await startNginx(
      join(root, 'lua'),
      `load_module ${MODULES}/ndk_http_module.so;\nload_module ${MODULES}/ngx_http_lua_module.so;`,
      `lua_package_path "/usr/share/lua/5.1/?.lua;;";
  lua_shared_dict peers 1m;
  init_by_lua_block { require "resty.core" }
  upstream u {
    server 0.0.0.1;
    balancer_by_lua_block {
      local list = ngx.shared.peers:get("u") or "${peers.A}"
      local host, port = list:match("^([^:]+):(%d+)")
      local ok, err = require("ngx.balancer").set_current_peer(host, tonumber(port))
      if not ok then ngx.log(ngx.ERR, err) return ngx.exit(502) end
    }
    keepalive 32;
  }
  server { listen 127.0.0.1:${luaPort};
    location / { proxy_http_version 1.1; proxy_set_header Connection ""; proxy_pass http://u; }
    location = /set { content_by_lua_block {
      ngx.req.read_body()
      ngx.shared.peers:set("u", ngx.req.get_body_data())
      ngx.say("ok")
    } }
  }`,
      luaPort,
    );
    children.push(lua);
    const setLua = (peer: string): Promise<void> =>
      new Promise((resolve, reject) => {
        const req = request(
          `http://127.0.0.1:${luaPort}/set`,
          { method: 'POST', agent: false },
          (res) => res.resume().on('end', () => resolve()),
        );
        req.on('error', reject);
        req.end(peer);
      });
    const results: Record<string, ReturnType<typeof distribution>> = {};
    for (const [name, keepAlive] of [
      ['keepAlive', true],
      ['freshConnections', false],
    ] as const) {
      const reloadMs: number[] = [];
      const luaMs: number[] = [];
      for (let i = 0; i < runs; i++) {
        const agent = keepAlive ? new Agent({ keepAlive: true, maxSockets: 1 }) : false;
        const want = i % 2 === 0 ? 'B' : 'A';
        reloadMs.push(
          await timeSwitch(`http://127.0.0.1:${reloadPort}/`, agent, want, () => {
            writeFileSync(members, `server ${peers[want]};\n`);
            reload.kill('SIGHUP');
          }),
        );
        luaMs.push(
          await timeSwitch(`http://127.0.0.1:${luaPort}/`, agent, want, () => setLua(peers[want])),
        );
        if (agent) agent.destroy();
        await new Promise((r) => setTimeout(r, 300)); // old workers gone before the next reload
      }
      results[`reload.${name}`] = distribution(reloadMs);
      results[`lua.${name}`] = distribution(luaMs);
    }
    const rss = (c: Child): number =>
      rssMb(c.pid ?? 0) + childPids(c.pid ?? 0, 'nginx').reduce((a, p) => a + rssMb(p), 0);
    const out = {
      date: new Date().toISOString(),
      nginx: (await execa('nginx', ['-v'], { all: true })).all?.trim(),
      packages: (
        await execa('dpkg-query', [
          '-W',
          '-f=${Package} ${Version}\\n',
          'libnginx-mod-http-lua',
          'lua-resty-core',
        ])
      ).stdout.split('\n'),
      runs,
      switchMs: results,
      rssMb: { reloadPool: Math.round(rss(reload)), luaPool: Math.round(rss(lua)) },
    };
    mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
    writeFileSync(
      join(ROOT, 'bench/results/lua-balancer.json'),
      JSON.stringify(out, null, 2) + '\n',
    );
    console.log(JSON.stringify(out, null, 2));
  } finally {
    for (const c of children.reverse()) await c.stop('SIGQUIT', 5_000).catch(() => undefined);
    rmSync(root, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
