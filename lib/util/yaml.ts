// The yaml package, loaded on first use (not at start-up). Bundled by esbuild as CommonJS,
// its API may arrive under the namespace's `default`.
export type YamlModule = typeof import('yaml');

let loaded: YamlModule | undefined;

export async function loadYaml(): Promise<YamlModule> {
  if (!loaded) {
    const m = (await import('yaml')) as YamlModule & { default?: YamlModule };
    loaded = typeof m.parseDocument === 'function' ? m : (m.default as YamlModule);
  }
  return loaded;
}
