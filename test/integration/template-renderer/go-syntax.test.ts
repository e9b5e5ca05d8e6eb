import { expect } from 'chai';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRenderer, type Renderer } from '../../../template-renderer/index.js';
import { startConsulAgent, type ConsulAgent } from '../../helpers/consul-agent.js';
import { waitFor } from '../../helpers/wait-for.js';

// A consul-template .ctmpl file on the same watcher as Handlebars: service, key and a watched
// local file re-render it when they change; Handlebars and Go templates share one watch.
const CTMPL = `{{- with $limit := file "LIMIT" | trimSpace -}}
limit {{ $limit }};
{{ end -}}
{{ range service "web" }}server {{ .Address }}:{{ .Port }};{{ if .ServiceMeta.weight }} # weight {{ .ServiceMeta.weight }}{{ end }}
{{ else }}server 127.0.0.1:65535 down;
{{ end -}}
mode {{ keyOrDefault "app/mode" "default" }}
`;

describe('template-renderer: Go templates (library, real Consul)', function () {
  this.timeout(30_000);
  let agent: ConsulAgent;
  let dir: string;
  let renderer: Renderer | undefined;
  const read = (f: string): string => (existsSync(f) ? readFileSync(f, 'utf8') : '');

  before(async () => {
    agent = await startConsulAgent();
    dir = mkdtempSync(join(tmpdir(), 'tr-go-'));
  });
  after(async () => {
    await renderer?.stop();
    await agent?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('renders a .ctmpl file and re-renders on service, key and file changes; shares watches with Handlebars', async () => {
    const limitFile = join(dir, 'limit.txt');
    writeFileSync(limitFile, '10\n');
    const source = join(dir, 'app.conf.ctmpl');
    writeFileSync(source, CTMPL.replace('LIMIT', limitFile));
    const out = join(dir, 'app.conf');
    const hbsOut = join(dir, 'hbs.conf');
    renderer = createRenderer({
      consul: agent.config,
      minDelayMs: 10,
      templates: [
        { source, destination: out },
        { contents: '{{#each (service "web")}}{{Port}}{{/each}}', destination: hbsOut },
      ],
    });
    await renderer.start();
    await renderer.firstRender;
    expect(read(out)).to.equal('limit 10;\nserver 127.0.0.1:65535 down;\nmode default\n');

    await agent.client.registerService({
      ID: 'w1',
      Name: 'web',
      Address: '10.0.0.1',
      Port: 81,
      Meta: { weight: '3' },
    });
    await waitFor(() => read(out).includes('server 10.0.0.1:81; # weight 3\n'), {
      what: 'the service in the output',
    });
    await waitFor(() => read(hbsOut) === '81', { what: 'the Handlebars output' });

    await agent.client.kvPut('app/mode', 'fast');
    await waitFor(() => read(out).endsWith('mode fast\n'), { what: 'the key in the output' });

    writeFileSync(limitFile, '20\n');
    await waitFor(() => read(out).startsWith('limit 20;\n'), {
      what: 'the file change in the output',
    });

    const keys = renderer.status().queries.map((q) => q.key);
    expect(keys.filter((k) => k.startsWith('health.service(web)'))).to.have.length(1);
    expect(keys).to.include(`file(${limitFile})`);
    await agent.client.deregisterService('w1');
  });

  it('reports a Go syntax error with file, line and column when the template is loaded', async () => {
    const source = join(dir, 'bad.tmpl');
    writeFileSync(source, 'ok\n{{ range service "web" }}\n{{ .Port }\n');
    const r = createRenderer({
      consul: agent.config,
      templates: [{ source, destination: join(dir, 'bad.out') }],
    });
    let message = '';
    await r.start().catch((e: Error) => (message = e.message));
    await r.stop();
    expect(message.split('\n')[0]).to.match(new RegExp(`^template ${source}:3:\\d+: `));
  });
});
