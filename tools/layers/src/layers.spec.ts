// The layering of docs/architecture.md as a rule CI checks (as Nx's enforce-module-boundaries and
// dependency-checks would): each library imports only the @nuclei packages below it, and every
// package a source file imports is declared in its package.json.
import * as fs from 'fs';
import * as path from 'path';
import { builtinModules } from 'module';

const root = path.resolve(__dirname, '../../..');

/**
 * Which @nuclei libraries each project may import, read from the picture in docs/architecture.md
 * (one place): a line `NAME -> a, b (...)  what it holds` allows @nuclei/a and @nuclei/b, `-> all`
 * anything, no arrow nothing. NAME is a package (`@nuclei/data`) or a project folder (`apps/cli`,
 * named by its package.json).
 */
export function allowedImports(markdown: string, nameOfFolder: (folder: string) => string | undefined): Record<string, string[] | 'all'> {
  const block = /```\n([\s\S]*?)```/.exec(markdown)?.[1];
  if (!block) throw new Error('docs/architecture.md: no ``` block with the layers');
  const allowed: Record<string, string[] | 'all'> = {};
  for (const line of block.split('\n')) {
    const m = /^(\S+)\s*(?:->\s*([a-z, -]+?)(?=\s*\(|\s{2,}|$))?/.exec(line.trim());
    if (!m) continue;
    const name = m[1].startsWith('@') ? m[1] : nameOfFolder(m[1]);
    if (!name) throw new Error(`docs/architecture.md: ${m[1]} is neither a package nor a project folder`);
    const arrows = (m[2] ?? '')
      .split(',')
      .map((a) => a.trim())
      .filter(Boolean);
    allowed[name] = arrows.includes('all') ? 'all' : arrows.map((a) => `@nuclei/${a}`);
  }
  return allowed;
}

const folderName = (folder: string): string | undefined => {
  const file = path.join(root, folder, 'package.json');
  return fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')).name : undefined;
};
const ALLOWED = allowedImports(fs.readFileSync(path.join(root, 'docs/architecture.md'), 'utf8'), folderName);

interface Project {
  name: string;
  dir: string;
  deps: Set<string>;
  devDeps: Set<string>;
}

function projects(): Project[] {
  const out: Project[] = [];
  for (const group of ['packages', 'apps', 'tools']) {
    for (const name of fs.readdirSync(path.join(root, group))) {
      const file = path.join(root, group, name, 'package.json');
      if (!fs.existsSync(file)) continue;
      const pkg = JSON.parse(fs.readFileSync(file, 'utf8'));
      out.push({
        name: pkg.name,
        dir: path.join(root, group, name),
        deps: new Set([...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {}), ...Object.keys(pkg.optionalDependencies ?? {})]),
        devDeps: new Set(Object.keys(pkg.devDependencies ?? {})),
      });
    }
  }
  return out;
}

function sources(dir: string): string[] {
  const files: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (['node_modules', 'dist', 'test-output'].includes(e.name)) continue;
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.ts$/.test(e.name) && !e.name.endsWith('.d.ts')) files.push(p);
    }
  };
  for (const sub of ['src', 'test']) if (fs.existsSync(path.join(dir, sub))) walk(path.join(dir, sub));
  return files;
}

/** The packages a file imports (static imports, re-exports, require and import() of string literals). */
export function importsOf(text: string): string[] {
  const found = new Set<string>();
  const re =
    /(?:^|[^.\w])(?:import|export)\s[^'";]*?from\s*['"]([^'"]+)['"]|(?:^|[^.\w])import\s*['"]([^'"]+)['"]|(?:require|import)\(\s*['"]([^'"]+)['"]\s*\)/gm;
  for (const m of text.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '').matchAll(re)) found.add(m[1] ?? m[2] ?? m[3]);
  return [...found];
}

function packageName(spec: string): string | undefined {
  if (spec.startsWith('.') || spec.startsWith('/') || spec.startsWith('node:') || builtinModules.includes(spec.split('/')[0])) return undefined;
  if (spec === 'vscode') return undefined; // provided by the editor
  const parts = spec.split('/');
  return spec.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
}

const ROOT_DEV = new Set(Object.keys(JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).devDependencies ?? {}));
// Tests and their helpers (test-utils/, an app's test/ folder, the CLI's fault-injection support in faults/).
const isTestFile = (f: string) => /\.spec\.ts$/.test(f) || /[\\/](test-utils|test|faults)[\\/]/.test(f);

describe('layers and dependencies', () => {
  const all = projects();
  it('finds the projects, and docs/architecture.md places every one of them', () => {
    expect(all.map((p) => p.name)).toEqual(expect.arrayContaining(Object.keys(ALLOWED)));
    expect(all.map((p) => p.name).filter((n) => ALLOWED[n] === undefined)).toEqual([]);
    expect(ALLOWED['@nuclei/training']).toEqual(['@nuclei/data', '@nuclei/model', '@nuclei/backend']);
    expect(ALLOWED['@nuclei/evaluation']).toEqual([]);
    expect(ALLOWED['@nuclei/cli']).toBe('all');
  });

  it('reads the arrows of the picture: packages, project folders, all, none', () => {
    const md = '# A\n```\n@x/a   (note)   what\n@x/b   -> a (tfjs)   what\n@x/c -> a, b   what\napps/d   -> all   what\ntools/e    what\n```\nmore';
    expect(allowedImports(md, (f) => `@x/${f.split('/')[1]}`)).toEqual({
      '@x/a': [],
      '@x/b': ['@nuclei/a'],
      '@x/c': ['@nuclei/a', '@nuclei/b'],
      '@x/d': 'all',
      '@x/e': [],
    });
    expect(() => allowedImports('no block', () => undefined)).toThrow(/no ``` block/);
  });

  it.each(all.filter((p) => ALLOWED[p.name] !== undefined).map((p) => [p.name, p] as const))(
    '%s imports only what its layer allows and what it declares',
    (name, project) => {
      const problems: string[] = [];
      const allowed = ALLOWED[name];
      for (const file of sources(project.dir)) {
        const rel = path.relative(root, file);
        for (const spec of importsOf(fs.readFileSync(file, 'utf8'))) {
          const pkg = packageName(spec);
          if (!pkg) {
            // Relative imports must stay inside the project (no reaching into another package's sources) ...
            if (spec.startsWith('.') && !path.resolve(path.dirname(file), spec).startsWith(project.dir + path.sep)) {
              // ... except benchmarks and tests, which may read internals they measure.
              if (name !== '@nuclei/bench' && !isTestFile(file)) problems.push(`${rel}: relative import ${spec} leaves the project`);
            }
            continue;
          }
          if (pkg.startsWith('@nuclei/') && pkg !== name && allowed !== 'all' && !allowed.includes(pkg))
            problems.push(`${rel}: imports ${pkg}, which is not below ${name} in docs/architecture.md`);
          if (pkg === name) continue;
          if (!project.deps.has(pkg) && !(isTestFile(file) && (ROOT_DEV.has(pkg) || project.devDeps.has(pkg)))) {
            problems.push(`${rel}: imports ${pkg}, not declared in ${path.relative(root, project.dir)}/package.json`);
          }
        }
      }
      expect(problems).toEqual([]);
    },
  );

  it('@nuclei/evaluation stays free of TF.js', () => {
    const evaluation = all.find((p) => p.name === '@nuclei/evaluation')!;
    const tfjs = sources(evaluation.dir).filter((f) => importsOf(fs.readFileSync(f, 'utf8')).some((s) => s.startsWith('@tensorflow/')));
    expect(tfjs).toEqual([]);
  });

  it('reads imports the way TypeScript writes them', () => {
    // The keywords spliced in, so that this file's own imports are only its real ones.
    const [imp, req] = ['imp' + 'ort', 'req' + 'uire'];
    expect(
      importsOf(
        `${imp} * as a from 'a';\n${imp} type { B } from "@s/b/sub";\nexport { c } from './c';\n${imp} 'side';\nconst d = ${req}('d'); await ${imp}('e');\n// ${imp} x from 'commented'`,
      ).sort(),
    ).toEqual(['./c', '@s/b/sub', 'a', 'd', 'e', 'side']);
  });
});
