/**
 * The kernel's house rules, checked on the source: type assertions are counted on the TypeScript
 * syntax tree (a cast tells the compiler to believe what it cannot check, so each one is a place a
 * type fails to say what a thing is), and every file stays small enough to hold one concept.
 */
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const KERNEL = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../shared/kernel');
/** At most this many assertions in shared/kernel (57 before the restructure). */
const MAX_ASSERTIONS = 19;
/** Lines a file may have: one concept (pagetable/tree.ts, the largest, is about 330). */
const MAX_LINES = 350;

function kernelFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return kernelFiles(p);
    return e.name.endsWith('.ts') ? [p] : [];
  });
}

/**
 * `x as T` and `<T>x` (but not `as const`, which asserts nothing about a value's type), and the
 * non-null assertion `x!`, which is the same promise made without naming the type.
 */
function typeAssertions(file: string, text: string): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const found: string[] = [];
  const isConst = (t: ts.TypeNode) => ts.isTypeReferenceNode(t) && t.typeName.getText(source) === 'const';
  const visit = (node: ts.Node): void => {
    const counted = ((ts.isAsExpression(node) || ts.isTypeAssertionExpression(node)) && !isConst(node.type))
      || ts.isNonNullExpression(node);
    if (counted) {
      const { line } = source.getLineAndCharacterOfPosition(node.getStart(source));
      found.push(`${path.relative(KERNEL, file)}:${line + 1}: ${node.getText(source)}`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('kernel house', () => {
  const files = kernelFiles(KERNEL);

  it('finds the kernel sources, the page-table folder among them', () => {
    const names = files.map((f) => path.relative(KERNEL, f));
    for (const f of ['kernel.ts', 'fault.ts', 'touch.ts', 'links.ts', 'mshare.ts', 'pagetable/tree.ts']) {
      assert.ok(names.includes(f), f);
    }
  });

  it('counts assertions on the syntax tree: as, <T> and !, but not as const', () => {
    const sample = [
      'const a = x as number;', 'const b = <string>y;', 'const c = z!;', 'const d = [1] as const;',
      'const e = (w as unknown) as Foo;', "const f = { k: 'v' } as const;",
    ].join('\n');
    assert.equal(typeAssertions('sample.ts', sample).length, 5);
  });

  it(`has at most ${MAX_ASSERTIONS} type assertions in shared/kernel`, () => {
    const all = files.flatMap((f) => typeAssertions(f, readFileSync(f, 'utf8')));
    assert.ok(all.length <= MAX_ASSERTIONS, `${all.length} type assertions:\n${all.join('\n')}`);
  });

  it(`keeps every shared/kernel file within ${MAX_LINES} lines`, () => {
    const long = files
      .map((f) => ({ file: path.relative(KERNEL, f), lines: readFileSync(f, 'utf8').split('\n').length }))
      .filter((f) => f.lines > MAX_LINES);
    assert.deepEqual(long, []);
  });
});
