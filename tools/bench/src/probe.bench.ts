import { loadSampleFullSize, touchingBorders } from '@nuclei/data';
import { loadModel, selectBackend } from '@nuclei/model';
import { predictImage } from '@nuclei/segmentation';
(async () => {
  await selectBackend('wasm');
  const { model, metadata } = await loadModel('/work/runs/nuclei/best', { compile: false });
  const ids = (metadata.training!.validationIds as string[]).slice(0, 6);
  for (const id of ids) {
    const s = await loadSampleFullSize('/work/shared/data/dsb2018-train', id);
    const p = await predictImage(s.image, model, { scale: 1.5, preprocessing: metadata.preprocessing });
    const tb = touchingBorders(s.labels, s.image.width, s.image.height, 2);
    const atB: number[] = [], fg: number[] = [];
    for (let i = 0; i < tb.length; i++) { if (tb[i]) atB.push(p.planes[1][i]); else if (s.labels[i]) fg.push(p.planes[1][i]); }
    const q = (a: number[], f: number) => { const b = [...a].sort((x, y) => x - y); return b.length ? b[Math.floor(f * (b.length - 1))].toFixed(3) : '-'; };
    console.log(id.slice(0, 8), s.image.width, 'border px', atB.length, 'border p50/p90', q(atB, 0.5), q(atB, 0.9), '| interior p50/p90/p99', q(fg, 0.5), q(fg, 0.9), q(fg, 0.99));
  }
})();
