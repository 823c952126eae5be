// Process boundaries, checked on the import graph (type-only imports are erased, so they do not
// count): the trainer process never reaches SQLite — only the store's owner writes the store —
// and the renderer never reaches Node. Part of `npm run lint`; exits 1 naming the import chain.
import { existsSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The modules a file imports at run time: relative ones resolved to files, others by name. */
export function runtimeImports(file) {
  let text = readFileSync(file, 'utf8');
  // A Svelte component's imports are in its script blocks.
  if (file.endsWith('.svelte'))
    text = [...text.matchAll(/<script[^>]*>([\s\S]*?)<\/script>/g)].map((m) => m[1]).join('\n');
  const src = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const specs = [];
  const visit = (node) => {
    if (ts.isImportDeclaration(node)) {
      const c = node.importClause;
      const named = c?.namedBindings;
      const allTypes =
        c &&
        (c.isTypeOnly ||
          (!c.name &&
            named &&
            ts.isNamedImports(named) &&
            named.elements.length > 0 &&
            named.elements.every((e) => e.isTypeOnly)));
      if (!allTypes) specs.push(node.moduleSpecifier.text);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && !node.isTypeOnly) {
      specs.push(node.moduleSpecifier.text);
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      ts.isStringLiteral(node.arguments[0])
    ) {
      specs.push(node.arguments[0].text);
    }
    ts.forEachChild(node, visit);
  };
  visit(src);
  return specs.map((s) => (s.startsWith('.') ? resolveFile(dirname(file), s) : s));
}

function resolveFile(dir, spec) {
  const base = join(dir, spec);
  for (const c of [base, `${base}.ts`, join(base, 'index.ts')])
    if (existsSync(c) && !c.endsWith('/') && c.match(/\.(ts|mts|js|mjs|svelte)$/)) return c;
  return base;
}

/** The first import chain from `entry` to a module `bad` accepts, or undefined. */
export function findPath(entry, bad) {
  const parent = new Map([[entry, null]]);
  const queue = [entry];
  while (queue.length > 0) {
    const f = queue.shift();
    if (bad(f)) {
      const chain = [];
      for (let x = f; x; x = parent.get(x))
        chain.unshift(x.startsWith(root) ? relative(root, x) : x);
      return chain;
    }
    if (!f.startsWith('/') || !/\.(ts|mts|svelte)$/.test(f)) continue;
    for (const next of runtimeImports(f)) {
      if (!parent.has(next)) {
        parent.set(next, f);
        queue.push(next);
      }
    }
  }
  return undefined;
}

/** What the renderer may import from main/: the contract and pure functions over its types. */
const SHARED = [join(root, 'main', 'contract'), join(root, 'main', 'shared') + '/'];

const nodeModule = (m) =>
  m.startsWith('node:') || builtinModules.includes(m) || ['better-sqlite3', 'electron'].includes(m);

export const RULES = [
  {
    what: 'the trainer process opens no store (only the runner, its owner, writes it)',
    entry: join(root, 'main', 'entries', 'trainer.ts'),
    bad: (m) => m === 'better-sqlite3' || m === join(root, 'main', 'store', 'db.ts'),
  },
  {
    what: 'the renderer reaches no Node module',
    entry: join(root, 'renderer', 'src', 'main.ts'),
    bad: nodeModule,
  },
  {
    what: 'of main/, the renderer reaches only the shared layer (main/contract*, main/shared/)',
    entry: join(root, 'renderer', 'src', 'main.ts'),
    bad: (m) => m.startsWith(join(root, 'main') + '/') && !SHARED.some((s) => m.startsWith(s)),
  },
];

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  let failed = false;
  for (const r of RULES) {
    const chain = findPath(r.entry, r.bad);
    if (chain) {
      failed = true;
      console.error(`boundary broken: ${r.what}\n  ${chain.join('\n  → ')}`);
    }
  }
  if (failed) process.exitCode = 1;
  else console.log(`process boundaries hold (${RULES.length} rules)`);
}
