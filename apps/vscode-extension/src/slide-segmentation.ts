// "Segment nuclei in image" on a whole slide (above 50 megapixels, or an OME-Zarr image): block by
// block as `nuclei segment` does it (@nuclei/slide's segmentSlide), under a cancellable progress
// notification with the blocks done and the time left, into the image's run folder; then the
// result opens in the slide viewer. Cancelled, the finished blocks stay and the next run resumes.
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { modelProblem, readConfig, resolveModelDir } from './config';
import { errorMessage, type Logger } from './log';
import { runFolder } from './segmentation-session';
import { openSlideCommand } from './slide-viewer';
import { etaSeconds, formatEta } from './webview/eta';

/**
 * Segments the slide `file` (channel: the nuclear one of several) and shows the result (`show`:
 * default a new slide viewer); returns the result's summary, undefined when nothing was made.
 */
export async function segmentSlideCommand(
  context: vscode.ExtensionContext,
  log: Logger,
  file: string,
  options: { modelDir?: string; channel?: number; reason: string; show?: (summary: string) => Promise<void> },
): Promise<string | undefined> {
  const show = options.show ?? ((summary: string) => openSlideCommand(context, log, vscode.Uri.file(summary)));
  const name = path.basename(file);
  const config = readConfig();
  const model = options.modelDir ? { dir: options.modelDir, isDefault: false } : resolveModelDir(config, context.extensionPath);
  const problem = modelProblem(model);
  if (problem) {
    void vscode.window.showErrorMessage(`Nuclei: cannot segment ${name}: ${problem}.`);
    return undefined;
  }
  const api = await import('./nuclei-api');
  const out = runFolder(file, model.dir);
  const base = api.slideBase(file);
  const summary = path.join(out, `${base}.json`);
  let overwrite = false;
  if (fs.existsSync(summary)) {
    const choice = await vscode.window.showWarningMessage(
      `Nuclei: ${name} was segmented with this model before (${path.basename(out)}). Open that result, or segment it again and replace it?`,
      { modal: true },
      'Open Result',
      'Replace',
    );
    if (choice === 'Open Result') {
      await show(summary);
      return summary;
    }
    if (choice !== 'Replace') return undefined;
    overwrite = true;
  }
  log.info(`segment: ${file} is ${options.reason}: block by block into ${out}`);
  try {
    const made = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Nuclei: segmenting the slide ${name} block by block`, cancellable: true },
      async (progress, token) => {
        const controller = new AbortController();
        token.onCancellationRequested(() => controller.abort());
        progress.report({ message: 'starting' });
        log.info(await api.ensureBackend(config.backend));
        const loaded = await api.loadModelCached(model.dir, config.engine);
        log.info(loaded.engineLine);
        progress.report({ message: 'planning the blocks (reading a sample of the slide for its normalisation)' });
        const started = Date.now();
        let last = 0;
        await fs.promises.mkdir(out, { recursive: true });
        return api.segmentSlide(
          file,
          out,
          base,
          {
            model: model.dir,
            options: api.slideOptions(loaded.metadata, { mode: config.tiling, threshold: config.threshold }),
            channel: options.channel,
            pixelSize: config.pixelSize,
            overwrite,
          },
          loaded.predictor,
          {
            signal: controller.signal,
            onBlock: (b) => {
              const eta = etaSeconds(b.done, b.total, Date.now() - started);
              const pct = (100 * b.done) / b.total;
              const earlier = b.skipped ? `; ${b.skipped} done by an earlier run` : '';
              progress.report({
                message: `block ${b.done} of ${b.total}${eta !== undefined && b.done < b.total ? `, about ${formatEta(eta)} left` : ''}${earlier}`,
                increment: pct - last,
              });
              last = pct;
              log.info(`segment: ${name}: block ${b.done}/${b.total}, ${b.count} nuclei, ${b.seconds.toFixed(1)} s`);
            },
          },
        );
      },
    );
    log.info(`segment: ${name}: ${made.count} nuclei in ${made.blocks} blocks; ${made.outputs.summary}`);
    await show(made.outputs.summary);
    return made.outputs.summary;
  } catch (err) {
    if ((err as Error).name === 'AbortError') {
      log.info(`segment: ${name} cancelled; its finished blocks are kept in ${out} and the next run resumes from them`);
      vscode.window.setStatusBarMessage(`$(circle-slash) Nuclei: slide ${name} cancelled (finished blocks kept)`, 15_000);
      return undefined;
    }
    log.error(`segment: ${file} failed`, err);
    void vscode.window.showErrorMessage(`Nuclei: could not segment ${name}: ${errorMessage(err)}`);
    return undefined;
  }
}
