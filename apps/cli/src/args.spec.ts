import { choiceOption, intOption, numberOption, parseCommandArgs } from './args';
import { CliError } from './cli-error';

describe('argument parsing', () => {
  test('unknown options are a CliError that names the command', () => {
    expect(() => parseCommandArgs('train', ['--bogus'], {})).toThrow(CliError);
    expect(() => parseCommandArgs('train', ['--bogus'], {})).toThrow(/nuclei train/);
  });
  test('empty values are refused, not read as 0 or the default', () => {
    for (const argv of [['--threshold='], ['--model', ''], ['--val', ' ']])
      expect(() => parseCommandArgs('segment', argv, { threshold: { type: 'string' }, model: { type: 'string' }, val: { type: 'string' } })).toThrow(
        new RegExp(`^--${argv[0].replace(/^--|=$/g, '')} needs a value, got an empty one`),
      );
    expect(parseCommandArgs('segment', ['--threshold=0.3'], { threshold: { type: 'string' } }).values.threshold).toBe('0.3');
  });
  test('integers, numbers and choices are validated', () => {
    expect(intOption('epochs', '5', 20, 1, 100)).toBe(5);
    expect(intOption('epochs', undefined, 20, 1, 100)).toBe(20);
    expect(() => intOption('epochs', '0', 20, 1, 100)).toThrow(/--epochs must be an integer from 1 to 100, got "0"/);
    expect(() => intOption('epochs', '101', 20, 1, 100)).toThrow(/--epochs must be an integer from 1 to 100, got "101"/);
    expect(() => intOption('epochs', '2.5', 20, 1, 100)).toThrow(CliError);
    expect(numberOption('threshold', '0.3', 0.5, 0, 1)).toBe(0.3);
    expect(() => numberOption('threshold', '2', 0.5, 0, 1)).toThrow(/from 0 to 1/);
    expect(choiceOption('mode', 'resize', ['tile', 'resize'] as const, 'tile')).toBe('resize');
    expect(() => choiceOption('mode', 'x', ['tile', 'resize'] as const, 'tile')).toThrow(/one of tile, resize/);
  });
});
