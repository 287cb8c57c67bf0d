import { shortNames } from '../src/webview-ui/short-names';

describe('shortNames', () => {
  it('keeps short names, cuts long ones to a unique prefix of at least 8 characters', () => {
    const a = '0a7d30b252359a10fd298b638b90cb9ada3acced4e0c0e5a3692013f432ee4e9';
    const b = '0a7d30b2a1c4d7e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6c7d8e9';
    const c = 'f4b7c24baf69b8752c49d0eb5db4b7b5e1524945d48e54925bff401d5658045d';
    const s = shortNames(['cells.png', a, b, c]);
    expect(s.get('cells.png')).toBe('cells.png');
    expect(s.get(c)).toBe('f4b7c24b\u2026');
    // a and b share 8 characters: both grow until they differ.
    expect(s.get(a)).toBe('0a7d30b25\u2026');
    expect(s.get(b)).toBe('0a7d30b2a\u2026');
    expect(new Set(s.values()).size).toBe(4);
  });
});
