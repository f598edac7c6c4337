devtools:
  pkg.installed:
    - names: [strace, gdb]
