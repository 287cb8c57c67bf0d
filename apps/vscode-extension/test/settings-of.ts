/** Every `nuclei.*` setting of package.json, whichever group (Model, Segmentation, Training) it is in. */
export function settingsOf(pkg: { contributes: { configuration: Array<{ properties: Record<string, any> }> } }): Record<string, any> {
  return Object.assign({}, ...pkg.contributes.configuration.map((g) => g.properties));
}
