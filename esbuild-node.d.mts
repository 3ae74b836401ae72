// Types of esbuild-node.mjs, for the TypeScript tests that use it.
export declare const NODE_BUNDLE: { bundle: true; format: 'esm'; platform: 'node'; target: string; packages: 'external'; logLevel: 'warning' };
export declare function bundleSource(root: string, contents: string, outfile: string): Promise<string>;
