/** `npm run asl`: write statemachines/<name>.asl.json from the definitions (commit the result). */
import { writeFileSync } from 'node:fs';
import { MACHINES, render } from './definitions/index.js';

for (const [file, definition] of Object.entries(MACHINES)) {
  writeFileSync(new URL(`./${file}.asl.json`, import.meta.url), render(definition));
  console.log(`statemachines/${file}.asl.json`);
}
