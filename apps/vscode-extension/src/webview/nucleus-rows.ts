// The viewer's table rows from the measurements (one place for the host and its tests). Free of
// `vscode` and Node imports, like messages.ts.
import type { NucleusMeasurements } from '@nuclei/segmentation';
import type { NucleusRow } from './messages';

/**
 * Rows for the table: lengths and area as measured (microns when `pixelSize` is given), the
 * centroid (pixel centres at +0.5) and box back in pixels, since the viewer draws with them.
 */
export function nucleusRows(measured: readonly NucleusMeasurements[], pixelSize = 1): NucleusRow[] {
  const k = 1 / pixelSize;
  return measured.map((m) => ({
    label: m.label,
    area: m.area,
    perimeter: m.perimeter,
    equivalentDiameter: m.equivalentDiameter,
    majorAxisLength: m.majorAxisLength,
    minorAxisLength: m.minorAxisLength,
    eccentricity: m.eccentricity,
    solidity: m.solidity,
    meanIntensity: m.intensity[0]?.mean ?? 0,
    intensity: m.intensity.map(({ channel, mean, min, max, integrated, std }) => ({ channel, mean, min, max, integrated, std })),
    centroidX: m.centroidX * k,
    centroidY: m.centroidY * k,
    box: [Math.round(m.bboxX * k), Math.round(m.bboxY * k), Math.round(m.bboxWidth * k), Math.round(m.bboxHeight * k)],
  }));
}
