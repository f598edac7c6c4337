base:
  '*':
    - l10n
