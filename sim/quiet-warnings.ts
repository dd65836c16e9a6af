/**
 * The AWS SDK warns on every client creation that its Node 20 support ends in
 * 2027; the deployed functions run nodejs22.x. Drop that one warning from the
 * simulator's and the tests' output; every other warning still prints.
 */
process.removeAllListeners('warning');
process.on('warning', (w) => {
  if (!`${w.name} ${w.message}`.includes('NodeVersionSupportWarning')) process.stderr.write(`${w.name}: ${w.message}\n`);
});

export {};
