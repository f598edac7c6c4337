big:
  cmd.run:
    - name: echo big
    - order: 20000
end:
  cmd.run:
    - name: echo end
    - order: last
