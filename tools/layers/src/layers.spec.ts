// The layering of docs/architecture.md as a rule CI checks (as Nx's enforce-module-boundaries and
// dependency-checks would): each library imports only the @nuclei packages below it, and every
// package a source file imports is declared in its package.json.
import * as fs from 'fs';
import * as path from 'path';
import { builtinModules } from 'module';

const root = path.resolve(__dirname, '../../..');

/** Which @nuclei libraries each project may import (apps and tools: all). */
const ALLOWED: Record<string, string[] | 'all'> = {
  '@nuclei/evaluation': [],
  '@nuclei/data': [],
  '@nuclei/model': [],
  '@nuclei/backend': [],
  '@nuclei/onnx': ['@nuclei/model'],
  '@nuclei/training': ['@nuclei/data', '@nuclei/model', '@nuclei/backend'],
  '@nuclei/segmentation': ['@nuclei/data', '@nuclei/model', '@nuclei/evaluation'],
  '@nuclei/slide': ['@nuclei/data', '@nuclei/model', '@nuclei/segmentation', '@nuclei/onnx'],
  '@nuclei/cli': 'all',
  'nuclei-vscode': 'all',
  '@nuclei/bench': 'all',
};

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
  it('finds the projects', () => {
    expect(all.map((p) => p.name)).toEqual(expect.arrayContaining(Object.keys(ALLOWED)));
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
    expect(
      importsOf(
        `import * as a from 'a';\nimport type { B } from "@s/b/sub";\nexport { c } from './c';\nimport 'side';\nconst d = require('d'); await import('e');\n// import x from 'commented'`,
      ).sort(),
    ).toEqual(['./c', '@s/b/sub', 'a', 'd', 'e', 'side']);
  });
});
