#!/usr/bin/env bash
# Extracts the UI's strings into messages.pot and merges them into the ja and en catalogs
# (docs/i18n.md). Translate the new entries in src/mimamoru/web/locale/ja/LC_MESSAGES/messages.po
# afterwards; tests/web/test_i18n_catalogs.py fails until every entry is translated.
set -euo pipefail
cd "$(dirname "$0")/.."
LOCALE=src/mimamoru/web/locale
pybabel extract -F babel.cfg --add-location=file --sort-output --no-wrap \
  --project=mimamoru --copyright-holder="mimamoru contributors" \
  -o "$LOCALE/messages.pot" src/mimamoru
for lang in ja en; do
  if [ -f "$LOCALE/$lang/LC_MESSAGES/messages.po" ]; then
    pybabel update -i "$LOCALE/messages.pot" -d "$LOCALE" -l "$lang" \
      --no-fuzzy-matching --ignore-obsolete --no-wrap
  else
    pybabel init -i "$LOCALE/messages.pot" -d "$LOCALE" -l "$lang" --no-wrap
  fi
done
