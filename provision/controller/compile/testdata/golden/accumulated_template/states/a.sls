animals-fox:
  file.accumulated:
    - filename: /etc/zoo.txt
    - text: fox
    - require_in:
      - file: /etc/zoo.txt

animals-more:
  file.accumulated:
    - filename: /etc/zoo.txt
    - text:
      - dog
      - fox
    - require_in:
      - file: /etc/zoo.txt

/etc/zoo.txt:
  file.managed:
    - source: salt://files/zoo.j2
    - template: jinja
