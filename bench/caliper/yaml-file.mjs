// Caliper's configuration files, as YAML people read: no anchors for repeated objects (every round
// spells out its arguments), no folded lines.
import fs from 'node:fs';
import { stringify } from 'yaml';

export function writeYaml(file, value) {
    fs.writeFileSync(file, stringify(value, { aliasDuplicateObjects: false, lineWidth: 0 }));
    return file;
}
