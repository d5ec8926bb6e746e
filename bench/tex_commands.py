"""Write markup/tex_commands.txt: the TeX commands and environments MathJax knows, per package.

Not part of the tests' run: `python -m bench.tex_commands` after upgrading
django-static-mathjax (tests/markup/test_formula_check.py fails while the list is stale,
when Node.js is at hand to read MathJax; it also asks MathJax itself, with
`mathjax_verdicts()`, whether the formulas it calls good and bad are). MathJax's own tables are read by Node.js from the
package's compiled sources (`static/mathjax/js/input/tex/`): each package's configuration
names the maps its macros and environments come from. One line per name:
`<package> macro <name>`, `<package> environment <name>`, `<package> delimiter <text>` (what
may follow `\\left`), and `autoload <package> <name>` /
`autoload-environment <package> <name>` for the commands that load a package on first use.
"""

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import mathjax

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "markup" / "tex_commands.txt"
MATHJAX = Path(mathjax.__file__).parent / "static" / "mathjax"

_SCRIPT = r"""
const path = require('path'), fs = require('fs'), Module = require('module');
const MJ = process.argv[1], STUBS = process.argv[2];
process.env.NODE_PATH = STUBS; Module._initPaths();
const tex = path.join(MJ, 'js', 'input', 'tex');
for (const dir of fs.readdirSync(tex).sort()) {
  const folder = path.join(tex, dir);
  if (!fs.statSync(folder).isDirectory()) continue;
  for (const file of fs.readdirSync(folder)) if (file.endsWith('Configuration.js')) require(path.join(folder, file));
}
const {ConfigurationHandler} = require(path.join(tex, 'Configuration.js'));
const {MapHandler} = require(path.join(tex, 'MapHandler.js'));
const out = {};
for (const name of ConfigurationHandler.keys()) {
  const config = ConfigurationHandler.get(name);
  const entry = out[name] = {macro: [], environment: [], delimiter: []};
  for (const kind of ['macro', 'environment', 'delimiter']) {
    for (const mapName of (config.handler[kind] || [])) {
      const map = MapHandler.getMap(mapName);
      if (!map || !(map.map instanceof Map)) continue;
      for (const key of map.map.keys()) {
        if (kind === 'delimiter') {
          entry[kind].push(key);
        } else if (map.constructor.name === 'DelimiterMap') {
          if (key.startsWith('\\') && key.length > 1) entry[kind].push(key.slice(1));
        } else {
          entry[kind].push(key);
        }
      }
    }
  }
}
out['#autoload'] = ConfigurationHandler.get('autoload').options.autoload;
process.stdout.write(JSON.stringify(out));
"""


# MathJax's verdict on formulas: [[formulas of a page, [tex, display]...]...] on stdin, for each
# formula "" or the error MathJax shows (an <merror>, or an undefined command in red). The
# packages of tex-chtml.js, with those it autoloads loaded from the start (\\require needs
# MathJax's component loader, which this does not run).
_VERDICTS = r"""
const path = require('path'), fs = require('fs'), Module = require('module');
const MJ = process.argv[1], STUBS = process.argv[2];
process.env.NODE_PATH = STUBS; Module._initPaths();
const js = (name) => require(path.join(MJ, 'js', name));
const {mathjax} = js('mathjax.js'), {TeX} = js('input/tex.js'), {STATE} = js('core/MathItem.js');
const {SerializedMmlVisitor} = js('core/MmlTree/SerializedMmlVisitor.js');
js('handlers/html.js').RegisterHTMLHandler(js('adaptors/liteAdaptor.js').liteAdaptor());
const packages = ['base', 'ams', 'newcommand', 'noundefined', 'configmacros', 'action', 'amscd', 'bbox',
  'boldsymbol', 'braket', 'cancel', 'color', 'enclose', 'extpfeil', 'html', 'unicode', 'verb', 'mhchem'];
for (const name of packages) {
  const folder = path.join(MJ, 'js', 'input', 'tex', name);
  for (const file of fs.readdirSync(folder)) if (file.endsWith('Configuration.js')) require(path.join(folder, file));
}
const visitor = new SerializedMmlVisitor();
const pages = JSON.parse(fs.readFileSync(0, 'utf8'));
process.stdout.write(JSON.stringify(pages.map((formulas) => {
  const doc = mathjax.document('', {InputJax: new TeX({packages})});
  return formulas.map(([tex, display]) => {
    const mml = visitor.visitTree(doc.convert(tex, {display, end: STATE.CONVERT}));
    const error = /<merror[^>]*>[\s\S]*?<mtext>([\s\S]*?)<\/mtext>/.exec(mml);
    if (error) return error[1];
    const undefined_ = /<mtext mathcolor="red">(\\[^<]*)<\/mtext>/.exec(mml);
    return undefined_ ? 'Undefined control sequence ' + undefined_[1] : '';
  });
})));
"""


def _node(script, stdin=""):
    with tempfile.TemporaryDirectory() as stubs:
        # mhchem's parser is a separate npm package the Python one does not ship; its macros
        # are in MathJax's own map, so a stub lets the configuration load.
        stub = Path(stubs) / "mhchemparser" / "dist"
        stub.mkdir(parents=True)
        (stub / "mhchemParser.js").write_text("exports.mhchemParser = {toTex: function () { return ''; }};\n")
        done = subprocess.run(
            ["node", "-e", script, str(MATHJAX), stubs],
            input=stdin,
            capture_output=True,
            text=True,
            check=True,
            timeout=300,
        )
    return json.loads(done.stdout)


def read_tables():
    """{package: {"macro": [...], "environment": [...]}, "#autoload": {...}} from MathJax itself."""
    return _node(_SCRIPT)


def mathjax_verdicts(pages):
    """For each page (a list of (tex, display)), for each formula: "" or MathJax's error."""
    return _node(_VERDICTS, json.dumps(pages))


def lines():
    tables = read_tables()
    version = json.loads((MATHJAX / "package.json").read_text())["version"]
    out = [
        f"# TeX commands and environments of MathJax {version}, per package: written by "
        "`python -m bench.tex_commands`; do not edit."
    ]
    for package in sorted(name for name in tables if not name.startswith("#")):
        for kind in ("macro", "environment", "delimiter"):
            out.extend(f"{package} {kind} {name}" for name in sorted(set(tables[package][kind])))
    for package, definition in sorted(tables["#autoload"].items()):
        paired = len(definition) == 2 and isinstance(definition[0], list)
        macros, environments = definition if paired else (definition, [])
        out.extend(f"autoload {package} {name}" for name in sorted(macros))
        out.extend(f"autoload-environment {package} {name}" for name in sorted(environments))
    return out


def main():
    text = "\n".join(lines()) + "\n"
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"{OUTPUT.relative_to(ROOT)}: {text.count(chr(10)) - 1} names", file=sys.stderr)


if __name__ == "__main__":
    main()
