// The broker's HTTP side and gRPC infrastructure over loopback: /metrics equals GetAccounting,
// /msharefs/:name equals ReadRegion, probes, gRPC health, reflection, and the shutdown order.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { protoPath as healthProtoPath } from 'grpc-health-check';
import { MAP_ANONYMOUS, MAP_SHARED, O_CREAT, O_EXCL, O_RDONLY, O_RDWR, PROT_READ, PROT_WRITE } from '../shared/kernel/uapi.js';
import { shutdown } from '../services/broker/lifecycle.js';
import { expectStatus, rawCall, startBroker, type TestBroker } from './fixtures/broker.js';

const GiB = 1n << 30n;
const TiB = 1n << 40n;

/** Prometheus exposition text -> map of `name{labels}` (labels sorted) -> value. */
function parseExposition(text: string): Map<string, number> {
  const series = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(m, `unparsable exposition line: ${line}`);
    const labels = m[2] ? [...m[2].matchAll(/([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g)].map((l) => `${l[1]}=${l[2]}`).sort() : [];
    series.set(labels.length ? `${m[1]}{${labels.join(',')}}` : m[1], Number(m[3]));
  }
  return series;
}

function loadServiceClient(protoFile: string, includeDirs: string[], service: string[]): grpc.ServiceClientConstructor {
  const def = protoLoader.loadSync(protoFile, { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true, includeDirs });
  let obj: unknown = grpc.loadPackageDefinition(def);
  for (const part of service) obj = (obj as Record<string, unknown>)[part];
  return obj as grpc.ServiceClientConstructor;
}

function unaryCall<T>(client: grpc.Client, method: string, request: object): Promise<T> {
  return new Promise((resolve, reject) =>
    (client as unknown as Record<string, (...args: unknown[]) => unknown>)[method](request, (err: Error | null, res: T) => (err ? reject(err) : resolve(res))));
}

describe('broker HTTP side, health and reflection', () => {
  let t: TestBroker;
  beforeEach(async () => { t = await startBroker({ MSHARE_BASELINE_CLIENTS: '1500', MSHARE_BASELINE_SGA: '300GiB' }); });
  afterEach(async () => { await t.stop(); });

  async function scenario() {
    const c = t.client;
    const donor = await c.spawn({ uid: 1000, gid: 1000 });
    await c.mmap(donor, 2n * TiB, 512n * GiB, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS);
    await c.mshare(donor, 'sga', 2n * TiB, 512n * GiB, O_CREAT | O_RDWR | O_EXCL, 0o640);
    const consumers = [];
    for (let i = 0; i < 3; i++) {
      const pid = await c.spawn({ uid: 1000, gid: 1000 });
      await c.mshare(pid, 'sga', 2n * TiB, 512n * GiB, O_RDONLY, 0);
      consumers.push(pid);
    }
    await c.touch(donor, 2n * TiB, 2n * GiB, 'write');
    await c.touch(consumers[0], 2n * TiB, 2n * GiB, 'read', 7);
    await c.access(consumers[1], 2n * TiB, 'write'); // SIGSEGV: read-only attach
    await c.access(consumers[1], 9n * TiB, 'read'); // SIGSEGV: no VMA
    await expectStatus(c, 'Mshare', { pid: donor, name: 'sga', addr: String(2n * TiB), length: String(512n * GiB), oflags: O_CREAT | O_EXCL | O_RDWR, mode: 0o600 },
      grpc.status.ALREADY_EXISTS, 'EEXIST');
  }

  it('/metrics figures equal GetAccounting and the regions', async () => {
    await scenario();
    const a = await t.client.accounting();
    const res = await fetch(`${t.httpUrl}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
    const m = parseExposition(await res.text());
    assert.ok(a.savedBytes > 0);
    // The accounting series carry the broker's scheme.
    assert.equal(m.get('mshare_pagetable_bytes{scheme=mshare}'), a.pagetableBytes);
    assert.equal(m.get('mshare_pagetable_unshared_bytes{scheme=mshare}'), a.unsharedPagetableBytes);
    assert.equal(m.get('mshare_pagetable_saved_bytes{scheme=mshare}'), a.savedBytes);
    assert.equal(m.get('mshare_pagetable_saved_ratio{scheme=mshare}'), a.savedRatio);
    assert.equal(m.get('mshare_processes'), 4);
    assert.equal(m.get('mshare_regions'), 1);
    assert.equal(m.get('mshare_minor_faults_total'), a.minorFaults);
    assert.equal(m.get('mshare_unshared_minor_faults_total'), a.unsharedMinorFaults);
    assert.equal(m.get('mshare_accesses_total{outcome=minor_fault}'), a.accesses.minorFault);
    assert.equal(m.get('mshare_accesses_total{outcome=present}'), a.accesses.present);
    assert.equal(m.get('mshare_accesses_total{outcome=sigsegv}'), 2);
    assert.equal(m.get('mshare_accesses_total{outcome=sigbus}'), 0);
    assert.equal(m.get('mshare_seed_baseline_bytes{clients=1500,sga_bytes=322122547200,variant=pte}'), 943_718_400_000);
    assert.equal(m.get('mshare_seed_baseline_bytes{clients=1500,sga_bytes=322122547200,variant=pte_pmd_pud}'), a.baseline.pteWithUpperBytes);
    const region = await t.client.readRegion('sga');
    assert.equal(m.get('mshare_region_refcount{region=sga}'), 4);
    assert.equal(m.get('mshare_region_mapped_processes{region=sga}'), 4);
    assert.equal(m.get('mshare_region_pagetable_bytes{region=sga}'), region.pagetableBytes);
    assert.equal(m.get('mshare_syscalls_total{errno=OK,syscall=mshare}'), 4);
    assert.equal(m.get('mshare_syscalls_total{errno=EEXIST,syscall=mshare}'), 1);
    assert.equal(m.get('mshare_syscalls_total{errno=OK,syscall=spawn}'), 4);
    const mshareLabels = 'grpc_method=Mshare,grpc_service=mshare.v1.Broker,grpc_type=unary';
    assert.equal(m.get(`grpc_server_started_total{${mshareLabels}}`), 5);
    assert.equal(m.get(`grpc_server_handled_total{grpc_code=OK,${mshareLabels}}`), 4);
    assert.equal(m.get(`grpc_server_handled_total{grpc_code=AlreadyExists,${mshareLabels}}`), 1);
    assert.equal(m.get(`grpc_server_handling_seconds_count{${mshareLabels}}`), 5);
  });

  it('drops the series of an unlinked region', async () => {
    await scenario();
    for (let pid = 1; pid <= 4; pid++) await t.client.mshareUnlink(pid, 'sga');
    const m = parseExposition(await (await fetch(`${t.httpUrl}/metrics`)).text());
    assert.equal(m.get('mshare_regions'), 0);
    assert.equal(m.has('mshare_region_refcount{region=sga}'), false);
  });

  it('/msharefs/:name equals ReadRegion, /msharefs equals ListRegions, unknown names are 404 with errno', async () => {
    await scenario();
    const read = await rawCall(t.client, 'ReadRegion', { name: 'sga' });
    const res = await fetch(`${t.httpUrl}/msharefs/sga`);
    assert.equal(res.status, 200);
    const body = await res.json() as Record<string, unknown>;
    assert.deepEqual(body, read);
    assert.equal(body.start, String(2n * TiB)); // bigint values as decimal strings
    assert.equal(body.mode, 0o640);
    assert.deepEqual(await (await fetch(`${t.httpUrl}/msharefs`)).json(), await rawCall(t.client, 'ListRegions', {}));

    const missing = await fetch(`${t.httpUrl}/msharefs/nope`);
    assert.equal(missing.status, 404);
    assert.equal((await missing.json() as { errno: string }).errno, 'ENOENT');
    const long = await fetch(`${t.httpUrl}/msharefs/${'x'.repeat(256)}`);
    assert.equal(long.status, 400);
    assert.equal((await long.json() as { errno: string }).errno, 'ENAMETOOLONG');
  });

  it('answers the probes and gRPC health SERVING for "" and mshare.v1.Broker', async () => {
    assert.deepEqual(await (await fetch(`${t.httpUrl}/healthz`)).json(), { status: 'ok' });
    assert.equal((await fetch(`${t.httpUrl}/readyz`)).status, 200);
    const Health = loadServiceClient(healthProtoPath, [], ['grpc', 'health', 'v1', 'Health']);
    const health = new Health(t.grpcAddress, grpc.credentials.createInsecure());
    try {
      for (const service of ['', 'mshare.v1.Broker']) {
        assert.deepEqual(await unaryCall(health, 'Check', { service }), { status: 'SERVING' });
      }
      await assert.rejects(unaryCall(health, 'Check', { service: 'nope.Nothing' }), (e: grpc.ServiceError) => e.code === grpc.status.NOT_FOUND);
    } finally {
      health.close();
    }
  });

  it('lists mshare.v1.Broker through server reflection', async () => {
    const require = createRequire(import.meta.url);
    const reflectionRoot = path.join(path.dirname(require.resolve('@grpc/reflection')), '..', 'proto');
    const Reflection = loadServiceClient('grpc/reflection/v1/reflection.proto', [reflectionRoot], ['grpc', 'reflection', 'v1', 'ServerReflection']);
    const client = new Reflection(t.grpcAddress, grpc.credentials.createInsecure());
    try {
      const services = await new Promise<string[]>((resolve, reject) => {
        const call = (client as unknown as { ServerReflectionInfo(): grpc.ClientDuplexStream<object, { list_services_response?: { service: { name: string }[] } }> }).ServerReflectionInfo();
        call.on('data', (m) => { resolve((m.list_services_response?.service ?? []).map((s: { name: string }) => s.name)); call.end(); });
        call.on('error', reject);
        call.write({ list_services: '*' });
      });
      assert.ok(services.includes('mshare.v1.Broker'), `reflection listed ${services.join(', ')}`);
    } finally {
      client.close();
    }
  });

  it('shuts down in order: health NOT_SERVING and /readyz 503 first, then the servers close', async () => {
    const Health = loadServiceClient(healthProtoPath, [], ['grpc', 'health', 'v1', 'Health']);
    const health = new Health(t.grpcAddress, grpc.credentials.createInsecure());
    try {
      t.broker.setServing(false);
      assert.deepEqual(await unaryCall(health, 'Check', { service: 'mshare.v1.Broker' }), { status: 'NOT_SERVING' });
      assert.equal((await fetch(`${t.httpUrl}/readyz`)).status, 503);
      assert.equal(await shutdown(t.broker, 2_000), 'graceful');
      await assert.rejects(fetch(`${t.httpUrl}/healthz`));
      await assert.rejects(t.client.geometry(), (e: grpc.ServiceError) => e.code === grpc.status.UNAVAILABLE);
    } finally {
      health.close();
    }
  });
});
