#!/usr/bin/env bash
# Lists .cs files under the given directories (default: src) that break "one type per file, named after it":
# files with no top-level type named like the file (Name.Part.cs counts as Name), and files holding more than one
# top-level type longer than a few lines (more than 5 lines from declaration to end; one-line records and enums may
# sit beside the type they serve). Top-level declarations are recognised at column 0, as every file uses a
# file-scoped namespace. Each line: the file, then its types with their lengths in lines.
set -euo pipefail
dirs=("$@"); [ ${#dirs[@]} -gt 0 ] || dirs=(src)
find "${dirs[@]}" -name '*.cs' -not -path '*/obj/*' -not -path '*/bin/*' | sort | while read -r file; do
  awk -v file="$file" '
    function close_type() { if (n > 0) size[n] = last - start[n] + 1 }
    match($0, /^((public|internal|file|static|sealed|abstract|partial|readonly|ref|unsafe|new) +)*(class|record struct|record class|record|struct|interface|enum|delegate) +[^ ]/) {
      close_type()
      line = $0
      sub(/^((public|internal|file|static|sealed|abstract|partial|readonly|ref|unsafe|new) +)*/, "", line)
      kind = line; sub(/ .*/, "", kind)
      sub(/^(record struct|record class|class|record|struct|interface|enum) +/, "", line)
      if (kind == "delegate") { sub(/^delegate +[^ (]+ +/, "", line) }
      name = line; sub(/[^A-Za-z0-9_].*/, "", name)
      n++; names[n] = name; start[n] = NR; last = NR
      next
    }
    /^(\[|\/\/|namespace |using )/ || /^[ \t]*$/ { next }
    { last = NR }
    END {
      if (n == 0) exit
      close_type()
      base = file; sub(/.*\//, "", base); sub(/\.cs$/, "", base); sub(/\..*/, "", base)
      named = 0; long = 0
      for (i = 1; i <= n; i++) { if (names[i] == base) named = 1; if (size[i] > 5) long++ }
      if (!named || long > 1) {
        out = file ":"
        for (i = 1; i <= n; i++) out = out " " names[i] "(" size[i] ")"
        print out
      }
    }' "$file"
done
