// The "Nuclei" output channel: the active backend and every step.
import * as vscode from 'vscode';

export interface Logger {
  info(message: string): void;
  error(message: string, err?: unknown): void;
  show(): void;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export function createLogger(channel: vscode.OutputChannel): Logger {
  const line = (level: string, message: string) => channel.appendLine(`[${new Date().toISOString()}] ${level} ${message}`);
  return {
    info: (message) => line('INFO ', message),
    error: (message, err) => {
      line('ERROR', err === undefined ? message : `${message}: ${errorMessage(err)}`);
      if (err instanceof Error && err.stack) channel.appendLine(err.stack);
    },
    show: () => channel.show(true),
  };
}
