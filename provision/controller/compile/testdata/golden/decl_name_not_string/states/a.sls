web:
  group.present:
    - name: 2000
