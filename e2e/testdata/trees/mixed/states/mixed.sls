changed_file:
  file.managed:
    - name: /tmp/mixed/changed.txt
    - contents: new content
    - makedirs: True

unchanged_dir:
  file.directory:
    - name: /tmp

failing_cmd:
  cmd.run:
    - name: echo failing; exit 2

skipped_by_requisite:
  file.managed:
    - name: /tmp/mixed/never.txt
    - contents: never
    - require:
      - cmd: failing_cmd

unchanged_succeed:
  test.succeed_without_changes:
    - name: nothing to do

changed_succeed:
  test.succeed_with_changes:
    - name: something changed

notification:
  test.show_notification:
    - text: a notification
