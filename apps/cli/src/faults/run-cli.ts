import { main } from '../main';

/** Runs the CLI in-process, capturing what it prints: exit code, stdout lines, stderr lines. */
export async function runCli(args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const spies = [
    jest.spyOn(console, 'log').mockImplementation((...a) => void out.push(a.map(String).join(' '))),
    jest.spyOn(console, 'warn').mockImplementation((...a) => void err.push(a.map(String).join(' '))),
    jest.spyOn(console, 'error').mockImplementation((...a) => void err.push(a.map(String).join(' '))),
    // Progress bars write to stderr directly; they are not messages.
    jest.spyOn(process.stderr, 'write').mockImplementation(() => true),
  ];
  try {
    const code = await main(args);
    return { code, out, err: err.flatMap((e) => e.split('\n')) };
  } finally {
    spies.forEach((s) => s.mockRestore());
  }
}
