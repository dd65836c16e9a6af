import { readFile } from 'node:fs/promises';
export const pureSchemas = {
  name: 'pure-sdk-schemas',
  setup(build) {
    build.onLoad({ filter: /@aws-sdk[\\/].*[\\/]dist-es[\\/].*schemas[\\/]schemas_\d+\.js$/ }, async (args) => {
      const src = await readFile(args.path, 'utf8');
      const consts = new Map();
      for (const m of src.matchAll(/^const (_\w+) = ("(?:[^"\\]|\\.)*");$/gm)) consts.set(m[1], m[2]);
      let n = 0;
      const contents = src.replace(/\[(_\w+)\]:/g, (all, id) => { const v = consts.get(id); if (v === undefined) return all; n++; return `${v}:`; });
      return { contents, loader: 'js' };
    });
  },
};
