"""Copy the pinned npm packages' files that the pages use into static/vendor/ (run by `make assets`).

Only what a page loads is copied, so static/vendor/ stays small enough to commit: deployments and
CI then need neither npm nor the network. Versions are the exact ones in assets/package.json and
package-lock.json; static/vendor/VERSIONS.txt records what was copied.
"""

import json
import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODULES = ROOT / "assets" / "node_modules"
VENDOR = ROOT / "static" / "vendor"

# Noto Sans: Latin, Latin Extended and Devanagari (its devanagari subset also carries the rupee
# sign), in the three weights the stylesheet uses.
FONT_SUBSETS = ("latin", "latin-ext", "devanagari")
FONT_WEIGHTS = (400, 600, 700)


def _version(package: str) -> str:
    return json.loads((MODULES / package / "package.json").read_text())["version"]


def vendor_noto_sans() -> str:
    package = "@fontsource/noto-sans"
    source = MODULES / package
    target = VENDOR / "noto-sans"
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    rules = [f"/* Noto Sans {_version(package)} (npm {package}), SIL Open Font License 1.1: LICENSE */"]
    for weight in FONT_WEIGHTS:
        # {weight}.css holds one @font-face per subset, each with its unicode-range.
        blocks = re.findall(
            r"/\* noto-sans-([a-z-]+)-\d+-normal \*/\s*(@font-face \{.*?\})",
            (source / f"{weight}.css").read_text(),
            flags=re.S,
        )
        wanted = dict(blocks)
        for subset in FONT_SUBSETS:
            css = wanted[subset]
            for match in re.finditer(r"url\(\./files/([^)]+\.woff2)\)", css):
                shutil.copy2(source / "files" / match.group(1), target / match.group(1))
            # woff2 only: every browser the clinic uses reads it; drop the .woff fallback.
            css = re.sub(
                r"url\(\./files/([^)]+\.woff2)\) format\('woff2'\), url\([^)]+\) format\('woff'\)",
                r"url(./\1) format('woff2')",
                css,
            )
            rules.append(f"/* {subset} {weight} */\n{css}")
    (target / "noto-sans.css").write_text("\n\n".join(rules) + "\n")
    shutil.copy2(source / "LICENSE", target / "LICENSE")
    return f"{package} {_version(package)}"


def main() -> int:
    if not MODULES.is_dir():
        print("assets/node_modules is missing: run `make assets` (npm ci) first", file=sys.stderr)
        return 1
    copied = [vendor_noto_sans()]
    (VENDOR / "VERSIONS.txt").write_text(
        "# Written by `make assets` (assets/vendor.py) from assets/package-lock.json. Do not edit.\n"
        + "\n".join(copied)
        + "\n"
    )
    print("vendored: " + ", ".join(copied))
    return 0


if __name__ == "__main__":
    sys.exit(main())
