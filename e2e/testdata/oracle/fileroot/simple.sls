simple_file:
  file.managed:
    - name: /tmp/simple.txt
    - contents: simple

simple_cmd:
  cmd.run:
    - name: echo simple
    - require:
      - file: simple_file
