// shared/config.ts: the env-value parsers both services use, each error naming the variable.
import assert from 'node:assert/strict';
import {
  ConfigError, envReader, parseBoolean, parseFraction, parseHostPort, parseInteger, parseListenAddress, parseNumber,
  parseOneOf, parseRegionName, parseSize,
} from '../shared/config.js';

const names = (variable: string) => (err: unknown) => err instanceof ConfigError && err.variable === variable && err.message.startsWith(`${variable}: `);

describe('shared/config', () => {
  it('reads a variable, its default when unset or blank, trimmed', () => {
    const get = envReader({ A: ' x ', B: '  ' }, { A: 'a', B: 'b', C: 'c' });
    assert.deepEqual([get('A'), get('B'), get('C')], ['x', 'b', 'c']);
  });

  it('dial targets may name a host with _ (compose service names); listen addresses may not', () => {
    assert.deepEqual({ ...parseHostPort('V', 'mshare_broker:50051') }, { host: 'mshare_broker', port: 50051, address: 'mshare_broker:50051' });
    assert.throws(() => parseListenAddress('V', 'mshare_broker:50051'), names('V'));
    assert.equal(parseListenAddress('V', '[::1]:0').host, '::1');
    assert.throws(() => parseHostPort('V', 'host:65536'), names('V'));
  });

  it('each parser names the variable', () => {
    assert.throws(() => parseOneOf('V', 'c', ['a', 'b']), names('V'));
    assert.throws(() => parseBoolean('V', 'maybe'), names('V'));
    assert.throws(() => parseInteger('V', '7', 8, 9), names('V'));
    assert.throws(() => parseNumber('V', '-1', 0, 1), names('V'));
    assert.throws(() => parseNumber('V', '2e-1x', 0, 1), names('V'));
    assert.throws(() => parseFraction('V', '0'), names('V'));
    assert.throws(() => parseSize('V', '12XB'), names('V'));
    assert.deepEqual(
      [parseBoolean('V', 'YES'), parseInteger('V', '8', 8, 9), parseNumber('V', '1.5e2', 0, 200), parseNumber('V', '1e-3', 0, 1), parseFraction('V', '1e-2'), parseSize('V', '2KiB')],
      [true, 8, 150, 0.001, 0.01, 2048],
    );
  });
});

describe('shared/config: region names', () => {
  it("are msharefs's names (validateName), each refusal naming the variable", () => {
    assert.equal(parseRegionName('V', 'sga'), 'sga');
    assert.equal(parseRegionName('V', 'é'.repeat(127)), 'é'.repeat(127)); // 254 bytes
    for (const bad of ['.', '..', 'a/b', 'a\0b', 'x'.repeat(256), 'é'.repeat(128)]) {
      assert.throws(() => parseRegionName('V', bad), names('V'), JSON.stringify(bad));
    }
  });
});
