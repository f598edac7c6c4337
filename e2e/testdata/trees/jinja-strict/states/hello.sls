hello:
  test.succeed_without_changes:
    - name: {{ pillar.get('greeting', 'none') }}
