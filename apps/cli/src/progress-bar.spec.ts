import { formatDuration, renderBar } from './progress-bar';

describe('progress bar', () => {
  test('renders the fraction done as filled cells', () => {
    expect(renderBar('epoch 1/2', 5, 10, 'loss 0.3', 10)).toBe('epoch 1/2 [#####.....] 5/10 loss 0.3');
    expect(renderBar('x', 0, 0, '', 4)).toBe('x [....] 0/0');
  });
  test('formats durations as mm:ss or h:mm:ss', () => {
    expect(formatDuration(65)).toBe('01:05');
    expect(formatDuration(3725)).toBe('1:02:05');
    expect(formatDuration(Infinity)).toBe('--:--');
  });
});
