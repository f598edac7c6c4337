vars:
  test.nop:
    - sls: {{ sls }}
    - slspath: {{ slspath }}
    - slsdotpath: {{ slsdotpath }}
    - slscolonpath: {{ slscolonpath }}
    - tpldir: {{ tpldir }}
    - tplfile: {{ tplfile }}
    - saltenv: {{ saltenv }}
