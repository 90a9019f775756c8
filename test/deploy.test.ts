// The deployment files (issue 4, items 3-5): docker-compose, Dockerfile, Prometheus, Grafana and
// Kubernetes, checked with the real tools that run here (docker-compose 1.29.2 `config`, promtool)
// and by parsing. Nothing is `up`-ed: these machines have no Docker engine and no cluster.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import {
  allPanels,
  dashboardExprs,
  documentedMetrics,
  loadDashboard,
  metricNames,
  undocumentedMetrics,
} from './support/dashboard.js';
import { JOBS, substituteTargets } from './support/prometheus-config.js';
import { repoPath, repoRoot } from './support/paths.js';

const contractDoc = readFileSync(repoPath('docs', 'metrics-and-config.md'), 'utf8');
const FLEET = 1500; // the seed's clients: replicas x processes per worker

/** Runs a tool; a missing binary fails the test (.ci/run installs docker-compose and prometheus). */
function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME }) {
  const r = spawnSync(cmd, args, { cwd: repoRoot, env, encoding: 'utf8', timeout: 60_000 });
  if (r.error) assert.fail(`cannot run ${cmd}: ${r.error.message} (bash .ci/run installs it)`);
  return { status: r.status, out: r.stdout, err: r.stderr };
}

const tempDirs: string[] = [];
function tempFile(name: string, text: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'mshare-deploy-'));
  tempDirs.push(dir);
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}
after(() => {
  for (const d of tempDirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Environment variables named in the contract doc (MSHARE_*). */
const contractEnv = new Set(contractDoc.match(/\bMSHARE_[A-Z_]+/g) ?? []);

describe('docker-compose.yml', function () {
  this.timeout(60_000);
  const composeText = readFileSync(repoPath('docker-compose.yml'), 'utf8');
  const compose = (file: string, extra: string[] = [], env?: NodeJS.ProcessEnv) =>
    run('docker-compose', ['--project-directory', repoRoot, '-f', file, ...extra, 'config'], env);

  it('passes `docker-compose config -q` (docker-compose 1.29.2)', () => {
    const r = run('docker-compose', ['-f', 'docker-compose.yml', 'config', '-q']);
    assert.equal(r.status, 0, r.err);
  });

  it('fails validation when broken, so the check above can fail', () => {
    // A key 1.29.2's schema rejects (newer Compose only).
    const badKey = tempFile('docker-compose.yml', composeText.replace(/^( {2}start_period: 20s)$/m, '$1\n  start_interval: 1s'));
    assert.notEqual(badKey, composeText);
    const r1 = run('docker-compose', ['--project-directory', repoRoot, '-f', badKey, 'config', '-q']);
    assert.notEqual(r1.status, 0);
    assert.match(r1.err, /start_interval/);
    // A setting from .env that is not a number where compose needs one.
    const r2 = run('docker-compose', ['-f', 'docker-compose.yml', 'config', '-q'], {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      WORKER_REPLICAS: 'fifteen',
    });
    assert.notEqual(r2.status, 0);
    assert.match(r2.err, /replicas/);
  });

  describe('resolved configuration', () => {
    type Service = {
      command?: string[];
      image?: string;
      build?: unknown;
      deploy?: { replicas?: number };
      environment?: Record<string, string>;
      profiles?: string[];
      ports?: unknown[];
      container_name?: string;
      volumes?: string[];
      restart?: string;
      healthcheck?: { test?: string[]; disable?: boolean };
      depends_on?: Record<string, { condition?: string }>;
    };
    let services: Record<string, Service>;
    before(() => {
      const r = compose('docker-compose.yml');
      assert.equal(r.status, 0, r.err);
      services = (parse(r.out) as { services: Record<string, Service> }).services;
    });

    it('has the broker, donor, workers, Prometheus, Grafana and the one-shot load test', () => {
      assert.deepEqual(Object.keys(services).sort(), ['broker', 'donor', 'grafana', 'loadtest', 'prometheus', 'worker']);
      assert.deepEqual(services.loadtest?.profiles, ['loadtest']);
      assert.equal(services.loadtest?.restart, 'no');
    });

    it('runs one image for broker, donor, workers and load test, each with its entry point', () => {
      const entry = { broker: 'broker', donor: 'worker', worker: 'worker', loadtest: 'loadtest' } as const;
      const images = new Set<string | undefined>();
      for (const [svc, dir] of Object.entries(entry)) {
        const s = services[svc];
        assert.ok(s?.build, `${svc} builds the image`);
        images.add(s.image);
        assert.deepEqual(s.command?.slice(0, 2), ['node', `dist/services/${dir}/main.js`], svc);
      }
      assert.equal(images.size, 1);
    });

    it('sizes the default fleet at replicas x processes per worker = 1500', () => {
      const w = services.worker!;
      assert.equal(Number(w.deploy?.replicas) * Number(w.environment?.MSHARE_WORKER_PROCESSES), FLEET);
      assert.equal(w.environment?.MSHARE_WORKER_ROLE, 'client');
      assert.equal(services.donor?.environment?.MSHARE_WORKER_ROLE, 'donor');
      assert.equal(w.container_name, undefined, 'a scaled service cannot have a container_name');
      assert.equal(w.ports, undefined, 'a scaled service cannot publish a fixed host port');
    });

    it('passes the load test its broker, scenario and threshold flags', () => {
      const cmd = services.loadtest!.command!.join(' ');
      assert.match(cmd, /--broker broker:50051 --clients 1500 --sga 300GiB --pattern sequential --json/);
      assert.match(cmd, /--min-saved-ratio 0\.99/);
    });

    it('uses only environment variables of the contract for the mshare services', () => {
      for (const svc of ['broker', 'donor', 'worker']) {
        for (const name of Object.keys(services[svc]?.environment ?? {})) {
          if (name === 'HEALTHCHECK_URL') continue; // the image's own healthcheck
          assert.ok(contractEnv.has(name), `${svc}: ${name} is not in docs/metrics-and-config.md`);
        }
      }
    });

    it('mounts files that exist', () => {
      for (const svc of ['prometheus', 'grafana']) {
        for (const v of services[svc]?.volumes ?? []) {
          const host = v.split(':')[0]!;
          if (host.startsWith('/')) assert.ok(existsSync(host), `${svc}: ${host}`);
        }
      }
    });

    it('publishes every port on 127.0.0.1 only, unless PUBLISH_ADDR says otherwise', () => {
      const published = Object.entries(services).flatMap(([svc, s]) => (s.ports ?? []).map((p) => [svc, String(p)] as const));
      assert.deepEqual(published.map(([svc]) => svc).sort(), ['broker', 'broker', 'grafana', 'prometheus']);
      for (const [svc, port] of published) assert.match(port, /^127\.0\.0\.1:\d+:\d+\/tcp$/, svc);
      const open = compose('docker-compose.yml', ['--env-file', tempFile('open.env', 'PUBLISH_ADDR=0.0.0.0\n')]);
      assert.equal(open.status, 0, open.err);
      const ports = Object.values((parse(open.out) as { services: Record<string, Service> }).services).flatMap((s) => s.ports ?? []);
      assert.ok(ports.length === 4 && ports.every((p) => String(p).startsWith('0.0.0.0:')), ports.join(' '));
    });

    it('checks the health of broker, donor and workers on their own /readyz, never /metrics', () => {
      const httpVariable = { broker: 'MSHARE_HTTP_ADDR', donor: 'MSHARE_WORKER_HTTP_ADDR', worker: 'MSHARE_WORKER_HTTP_ADDR' } as const;
      for (const [svc, variable] of Object.entries(httpVariable)) {
        const s = services[svc]!;
        const test = s.healthcheck?.test ?? [];
        assert.deepEqual(test.slice(0, 3), ['CMD', 'node', '-e'], svc);
        const port = s.environment?.[variable]?.split(':').pop();
        assert.equal(test.at(-1), `http://127.0.0.1:${port}/readyz`, svc);
        assert.doesNotMatch(JSON.stringify(s), /\/metrics/, svc);
      }
      assert.deepEqual(services.loadtest?.healthcheck?.test, ['NONE'], 'a one-shot job has no healthcheck (disable: true)');
      // The clients start once the donor is ready, i.e. once the region exists.
      assert.equal(services.worker?.depends_on?.donor?.condition, 'service_healthy');
      assert.equal(services.donor?.depends_on?.broker?.condition, 'service_healthy');
    });

    it('has defaults in docker-compose.yml equal to .env', () => {
      const withEnvFile = compose('docker-compose.yml').out;
      const withoutEnvFile = compose('docker-compose.yml', ['--env-file', tempFile('empty.env', '')]);
      assert.equal(withoutEnvFile.status, 0, withoutEnvFile.err);
      assert.equal(withoutEnvFile.out, withEnvFile);
      // and a setting in the env file does change the result
      const changed = compose('docker-compose.yml', ['--env-file', tempFile('other.env', 'WORKER_REPLICAS=16\n')]);
      assert.notEqual(changed.out, withEnvFile);
    });
  });
});

describe('Dockerfile', () => {
  const text = readFileSync(repoPath('Dockerfile'), 'utf8');
  const instructions = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .filter((l) => /^[A-Z]+\s/.test(l));

  it('is multi-stage on node:20-bookworm-slim: build with dev deps, run with production deps', () => {
    assert.match(text, /^ARG NODE_IMAGE=node:20-bookworm-slim$/m);
    const froms = instructions.filter((l) => l.startsWith('FROM '));
    assert.deepEqual(froms, ['FROM ${NODE_IMAGE} AS build', 'FROM ${NODE_IMAGE} AS runtime']);
    const runtime = instructions.slice(instructions.indexOf(froms[1]!));
    assert.ok(runtime.some((l) => /npm ci --omit=dev/.test(l)));
    assert.ok(runtime.some((l) => /^COPY --from=build \/app\/dist /.test(l)));
    // The services load proto/ at run time from dist/proto, which `npm run build` writes.
    const build = instructions.slice(0, instructions.indexOf(froms[1]!));
    assert.ok(build.some((l) => /^COPY proto /.test(l)));
    const scripts = (JSON.parse(readFileSync(repoPath('package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    assert.match(scripts.build!, /cpSync\('proto', 'dist\/proto'/);
  });

  it('runs as a non-root user with a healthcheck that needs only node', () => {
    const users = instructions.filter((l) => l.startsWith('USER '));
    assert.ok(users.length > 0);
    assert.doesNotMatch(users.at(-1)!, /^USER (root|0)(:|\s|$)/);
    const hc = instructions.find((l) => l.startsWith('HEALTHCHECK '));
    assert.ok(hc);
    assert.match(hc, /CMD \["node", "-e"/);
    assert.doesNotMatch(hc, /curl|wget/);
    // By default the broker's readiness, not /metrics.
    assert.match(text, /HEALTHCHECK_URL=http:\/\/127\.0\.0\.1:9464\/readyz\s*$/m);
    assert.doesNotMatch(text, /\/metrics/);
  });

  it('builds what the image runs: entry points compiled by tsconfig.build.json into dist/', () => {
    const build = JSON.parse(readFileSync(repoPath('tsconfig.build.json'), 'utf8')) as { include: string[] };
    assert.ok(build.include.includes('services/**/*.ts'));
    assert.match(text, /RUN npm run build/);
    assert.match(text, /^CMD \["node", "dist\/services\/broker\/main\.js"\]$/m);
    const ignored = readFileSync(repoPath('.dockerignore'), 'utf8').split('\n');
    for (const needed of ['services', 'shared', 'proto', 'package.json', 'package-lock.json', 'tsconfig.json']) {
      assert.ok(!ignored.includes(needed), `.dockerignore excludes ${needed}, which the build copies`);
    }
  });
});

describe('deploy/prometheus/prometheus.yml', function () {
  this.timeout(30_000);
  const file = repoPath('deploy', 'prometheus', 'prometheus.yml');
  const text = readFileSync(file, 'utf8');

  it('passes promtool check config', () => {
    const r = run('promtool', ['check', 'config', file]);
    assert.equal(r.status, 0, r.out + r.err);
  });

  it('fails promtool when broken, so the check above can fail', () => {
    const r = run('promtool', ['check', 'config', tempFile('prometheus.yml', text.replace('scrape_interval: 5s', 'scrape_interval: often'))]);
    assert.notEqual(r.status, 0);
  });

  it('scrapes mshare-broker at broker:9464 and mshare-worker on 9465 every 5s', () => {
    const cfg = parse(text) as { global: Record<string, string>; scrape_configs: Array<Record<string, unknown>> };
    assert.equal(cfg.global.scrape_interval, '5s');
    assert.deepEqual(cfg.scrape_configs.map((j) => j.job_name), [JOBS.broker, JOBS.worker]);
    assert.deepEqual(cfg.scrape_configs[0]!.static_configs, [{ targets: ['broker:9464'] }]);
    assert.equal((cfg.scrape_configs[1]!.dns_sd_configs as Array<{ port: number }>)[0]!.port, 9465);
  });

  it('substitutes targets for tests, keeping everything else, and the copy passes promtool', () => {
    const copy = substituteTargets(text, { broker: '127.0.0.1:1111', worker: ['127.0.0.1:2222', '127.0.0.1:3333'] }, { scrapeInterval: '1s' });
    const cfg = parse(copy) as { global: Record<string, string>; scrape_configs: Array<Record<string, unknown>> };
    assert.equal(cfg.global.scrape_interval, '1s');
    assert.equal(cfg.global.scrape_timeout, '1s');
    assert.deepEqual(cfg.scrape_configs.map((j) => j.job_name), [JOBS.broker, JOBS.worker]);
    assert.deepEqual(cfg.scrape_configs[0]!.static_configs, [{ targets: ['127.0.0.1:1111'] }]);
    assert.deepEqual(cfg.scrape_configs[1]!.static_configs, [{ targets: ['127.0.0.1:2222', '127.0.0.1:3333'] }]);
    assert.equal(cfg.scrape_configs[1]!.dns_sd_configs, undefined);
    assert.equal(cfg.scrape_configs[1]!.metrics_path, '/metrics');
    const r = run('promtool', ['check', 'config', tempFile('prometheus.yml', copy)]);
    assert.equal(r.status, 0, r.out + r.err);
    assert.throws(() => substituteTargets(text.replace(`job_name: ${JOBS.worker}`, 'job_name: renamed'), { broker: 'a:1', worker: 'b:2' }), /mshare-worker/);
  });
});

describe('Grafana provisioning and dashboard', () => {
  const dashboard = loadDashboard();
  const panels = allPanels(dashboard).filter((p) => p.type !== 'row');

  it('provisions the Prometheus datasource with uid "prometheus" that every panel uses', () => {
    const ds = parse(readFileSync(repoPath('deploy', 'grafana', 'provisioning', 'datasources', 'prometheus.yml'), 'utf8')) as {
      datasources: Array<{ uid: string; type: string; url: string }>;
    };
    assert.deepEqual(ds.datasources.map((d) => [d.uid, d.type, d.url]), [['prometheus', 'prometheus', 'http://prometheus:9090']]);
    // Panels use the dashboard's datasource variable, whose default is this uid (test/dashboard.test.ts).
    for (const p of panels) {
      assert.deepEqual((p as { datasource?: unknown }).datasource, { type: 'prometheus', uid: '${datasource}' }, p.title);
    }
  });

  it('provisions dashboards from the folder docker-compose mounts the JSON into', () => {
    const prov = parse(readFileSync(repoPath('deploy', 'grafana', 'provisioning', 'dashboards', 'mshare.yml'), 'utf8')) as {
      providers: Array<{ type: string; options: { path: string } }>;
    };
    const compose = readFileSync(repoPath('docker-compose.yml'), 'utf8');
    for (const p of prov.providers) {
      assert.equal(p.type, 'file');
      assert.ok(compose.includes(`./deploy/grafana/dashboards:${p.options.path}`), p.options.path);
    }
  });

  it('is a Grafana dashboard JSON with schemaVersion 39 and panels that each have an expr', () => {
    assert.equal(dashboard.schemaVersion, 39);
    assert.equal(typeof dashboard.uid, 'string');
    assert.ok(panels.length >= 15);
    for (const p of panels) {
      assert.ok((p.targets ?? []).some((t) => typeof t.expr === 'string' && t.expr.trim() !== ''), `panel ${p.title} has no expr`);
    }
    const ids = allPanels(dashboard).map((p) => (p as { id?: number }).id);
    assert.equal(new Set(ids).size, ids.length, 'panel ids are unique');
  });

  it('shows page tables, baseline, faults, regions, processes, RPCs, latency and syscalls', () => {
    const all = dashboardExprs().map((e) => e.raw).join('\n');
    for (const needed of [
      'mshare_pagetable_bytes', 'mshare_pagetable_unshared_bytes', 'mshare_pagetable_saved_bytes',
      'mshare_pagetable_saved_ratio', 'mshare_seed_baseline_bytes', 'rate(mshare_accesses_total{job=~"$job"}[$__rate_interval])',
      'mshare_minor_faults_total', 'mshare_unshared_minor_faults_total', 'mshare_region_refcount',
      'mshare_region_mapped_processes', 'mshare_processes', 'grpc_code!="OK"',
      'histogram_quantile(0.99, sum by (le) (rate(grpc_server_handling_seconds_bucket{job=~"$job",grpc_service="mshare.v1.Broker",grpc_type="unary"}[$__rate_interval])))',
      'mshare_worker_rpc_duration_seconds_bucket', 'sum by (syscall, errno)', 'grpc_server_msg_received_total',
    ]) {
      assert.ok(all.includes(needed), needed);
    }
  });

  it('uses only metric names from docs/metrics-and-config.md', () => {
    const documented = documentedMetrics(contractDoc);
    assert.ok(documented.size >= 20, `parsed only ${documented.size} names from the doc`);
    const used = new Set(dashboardExprs().flatMap((e) => metricNames(e.expr)));
    assert.ok(used.size >= 15);
    assert.deepEqual(undocumentedMetrics(used, documented), []);
  });

  it('finds metric names in PromQL and flags undocumented ones, so the check above can fail', () => {
    assert.deepEqual(
      metricNames('histogram_quantile(0.99, sum by (le, grpc_method) (rate(grpc_server_handling_seconds_bucket{grpc_code!="OK"}[1m]))) or vector(0)'),
      ['grpc_server_handling_seconds_bucket'],
    );
    assert.deepEqual(metricNames('1 - sum(a_total) / on(x) group_left(y) b_bytes offset 5m'), ['a_total', 'b_bytes']);
    const documented = documentedMetrics(contractDoc);
    assert.deepEqual(undocumentedMetrics(['mshare_processes', 'grpc_server_handling_seconds_count', 'mshare_processes_bucket', 'mshare_page_faults'], documented), [
      'mshare_processes_bucket',
      'mshare_page_faults',
    ]);
  });
});

describe('deploy/k8s', () => {
  const dir = repoPath('deploy', 'k8s');
  type Doc = {
    apiVersion?: string;
    kind?: string;
    metadata?: { name?: string; namespace?: string; annotations?: Record<string, string> };
    spec?: any; // eslint-disable-line @typescript-eslint/no-explicit-any
    data?: Record<string, string>;
    resources?: string[];
  };
  const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort();
  const docs: Array<{ file: string; doc: Doc }> = [];
  for (const file of files) {
    for (const d of parseAllDocuments(readFileSync(path.join(dir, file), 'utf8'))) {
      docs.push({ file, doc: d.toJS() as Doc });
    }
  }
  const find = (kind: string, name: string) => docs.find((d) => d.doc.kind === kind && d.doc.metadata?.name === name)?.doc;

  it('parses every manifest as YAML with apiVersion, kind and metadata.name', () => {
    assert.ok(files.length >= 5);
    for (const file of files) {
      for (const d of parseAllDocuments(readFileSync(path.join(dir, file), 'utf8'))) {
        assert.deepEqual(d.errors, [], file);
      }
    }
    for (const { file, doc } of docs) {
      assert.ok(doc.apiVersion && doc.kind && doc.metadata?.name, `${file}: ${JSON.stringify(doc).slice(0, 80)}`);
    }
  });

  it('lists every manifest in kustomization.yaml, all in one namespace', () => {
    const k = find('Kustomization', 'mshare');
    assert.ok(k);
    assert.deepEqual([...(k.resources ?? [])].sort(), files.filter((f) => f !== 'kustomization.yaml'));
    const ns = find('Namespace', 'mshare');
    assert.ok(ns);
    for (const { doc } of docs) {
      if (doc.kind !== 'Namespace' && doc.kind !== 'Kustomization') assert.equal(doc.metadata?.namespace, 'mshare', doc.metadata?.name);
    }
  });

  it('runs one broker replica with grpc liveness and readiness probes on the health port', () => {
    const d = find('Deployment', 'mshare-broker');
    assert.ok(d);
    assert.equal(d.spec.replicas, 1);
    assert.equal(d.spec.strategy.type, 'Recreate');
    const c = d.spec.template.spec.containers[0];
    assert.deepEqual(c.command, ['node', 'dist/services/broker/main.js']);
    const grpcPort = c.ports.find((p: { name: string }) => p.name === 'grpc').containerPort;
    assert.equal(grpcPort, 50051);
    for (const probe of [c.livenessProbe, c.readinessProbe]) {
      assert.deepEqual(Object.keys(probe).filter((k) => ['grpc', 'httpGet', 'tcpSocket', 'exec'].includes(k)), ['grpc']);
      assert.equal(probe.grpc.port, grpcPort);
    }
    const ann = d.spec.template.metadata.annotations;
    assert.deepEqual([ann['prometheus.io/scrape'], ann['prometheus.io/port']], ['true', '9464']);
  });

  it('has Prometheus scrape each pod once: no Service carries prometheus.io/scrape for pods that do', () => {
    const scraped = (ann: Record<string, string> | undefined) => ann?.['prometheus.io/scrape'] === 'true';
    const deployments = docs.filter((d) => d.doc.kind === 'Deployment').map((d) => d.doc);
    assert.deepEqual(deployments.filter((d) => scraped(d.spec.template.metadata.annotations)).map((d) => d.metadata?.name).sort(),
      ['mshare-broker', 'mshare-donor', 'mshare-worker']);
    const services = docs.filter((d) => d.doc.kind === 'Service').map((d) => d.doc);
    assert.ok(services.length >= 1);
    for (const svc of services) {
      const selected = deployments.filter((d) =>
        Object.entries(svc.spec.selector as Record<string, string>).every(([k, v]) => d.spec.template.metadata.labels[k] === v));
      assert.ok(selected.length > 0, `${svc.metadata?.name} selects no pods`);
      if (selected.some((d) => scraped(d.spec.template.metadata.annotations))) {
        assert.ok(!scraped(svc.metadata?.annotations), `${svc.metadata?.name}: its pods are scraped already`);
      }
    }
  });

  it('meets the restricted Pod Security Standard on every pod, and the namespace enforces it', () => {
    const ns = find('Namespace', 'mshare') as Doc & { metadata: { labels?: Record<string, string> } };
    assert.equal(ns.metadata.labels?.['pod-security.kubernetes.io/enforce'], 'restricted');
    const deployments = docs.filter((d) => d.doc.kind === 'Deployment');
    assert.equal(deployments.length, 3);
    for (const { doc } of deployments) {
      const pod = doc.spec.template.spec;
      const name = doc.metadata?.name;
      assert.equal(pod.hostNetwork ?? false, false, name);
      assert.equal(pod.hostPID ?? false, false, name);
      for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
        const sc = c.securityContext ?? {};
        const where = `${name}/${c.name}`;
        assert.equal(sc.runAsNonRoot ?? pod.securityContext?.runAsNonRoot, true, `${where}: runAsNonRoot`);
        assert.notEqual(sc.runAsUser ?? pod.securityContext?.runAsUser, 0, `${where}: runAsUser 0`);
        assert.equal(sc.allowPrivilegeEscalation, false, `${where}: allowPrivilegeEscalation`);
        assert.equal(sc.privileged ?? false, false, `${where}: privileged`);
        assert.deepEqual(sc.capabilities?.drop, ['ALL'], `${where}: capabilities.drop`);
        assert.deepEqual(sc.capabilities?.add ?? [], [], `${where}: capabilities.add`);
        const seccomp = sc.seccompProfile?.type ?? pod.securityContext?.seccompProfile?.type;
        assert.ok(['RuntimeDefault', 'Localhost'].includes(seccomp), `${where}: seccompProfile ${seccomp}`);
      }
    }
  });

  it('probes the workers and the donor on /healthz (liveness) and /readyz (readiness), never /metrics', () => {
    for (const name of ['mshare-worker', 'mshare-donor']) {
      const c = find('Deployment', name)!.spec.template.spec.containers[0];
      assert.deepEqual([c.livenessProbe?.httpGet?.path, c.livenessProbe?.httpGet?.port], ['/healthz', 'http'], name);
      assert.deepEqual([c.readinessProbe?.httpGet?.path, c.readinessProbe?.httpGet?.port], ['/readyz', 'http'], name);
    }
    for (const { doc } of docs.filter((d) => d.doc.kind === 'Deployment')) {
      for (const c of doc.spec.template.spec.containers) {
        for (const probe of [c.livenessProbe, c.readinessProbe, c.startupProbe]) {
          assert.notEqual(probe?.httpGet?.path, '/metrics', `${doc.metadata?.name}/${c.name}`);
        }
      }
    }
  });

  it('exposes the broker Service on grpc 50051 and http 9464, selecting the broker pods', () => {
    const s = find('Service', 'mshare-broker');
    const d = find('Deployment', 'mshare-broker');
    assert.ok(s && d);
    assert.deepEqual(s.spec.ports.map((p: { name: string; port: number }) => [p.name, p.port]), [['grpc', 50051], ['http', 9464]]);
    for (const [k, v] of Object.entries(s.spec.selector as Record<string, string>)) assert.equal(d.spec.template.metadata.labels[k], v);
    const cm = find('ConfigMap', 'mshare-config');
    assert.equal(cm?.data?.MSHARE_BROKER_ADDR, `${s.metadata?.name}:50051`);
  });

  it('sizes the worker fleet at replicas x MSHARE_WORKER_PROCESSES = 1500, with one donor', () => {
    const w = find('Deployment', 'mshare-worker');
    const donor = find('Deployment', 'mshare-donor');
    const cm = find('ConfigMap', 'mshare-config');
    assert.ok(w && donor && cm?.data);
    assert.equal(w.spec.replicas * Number(cm.data.MSHARE_WORKER_PROCESSES), FLEET);
    const env = (d: Doc) => Object.fromEntries(d.spec.template.spec.containers[0].env.map((e: { name: string; value: string }) => [e.name, e.value]));
    assert.equal(env(w).MSHARE_WORKER_ROLE, 'client');
    assert.equal(env(donor).MSHARE_WORKER_ROLE, 'donor');
    assert.equal(donor.spec.replicas, 1);
  });

  it('configures the services only with variables of the contract, from the ConfigMap it ships', () => {
    const cm = find('ConfigMap', 'mshare-config');
    for (const name of Object.keys(cm?.data ?? {})) assert.ok(contractEnv.has(name), name);
    for (const { doc } of docs.filter((d) => d.doc.kind === 'Deployment')) {
      const pod = doc.spec.template.spec;
      assert.equal(pod.securityContext.runAsNonRoot, true, doc.metadata?.name);
      for (const c of pod.containers) {
        for (const e of c.env ?? []) assert.ok(contractEnv.has(e.name), `${doc.metadata?.name}: ${e.name}`);
        for (const ref of c.envFrom ?? []) assert.ok(find('ConfigMap', ref.configMapRef.name), ref.configMapRef.name);
      }
    }
  });
});
