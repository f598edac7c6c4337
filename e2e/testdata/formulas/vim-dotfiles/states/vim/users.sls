{%- for user, conf in salt['pillar.get']('vim:users', {}).items() %}
{%- set home = '/home/' ~ user %}

vim-{{ user }}-dirs:
  file.directory:
    - names:
      - {{ home }}/.vim
      - {{ home }}/.vim/undo
      - {{ home }}/.vim/swap
    - user: {{ user }}
    - group: {{ user }}
    - mode: '0700'

vim-{{ user }}-vimrc:
  file.managed:
    - name: {{ home }}/.vimrc
    - user: {{ user }}
    - group: {{ user }}
    - mode: '0644'
    - contents: |
        source /etc/vim/vimrc.local
        set undodir={{ home }}/.vim/undo directory={{ home }}/.vim/swap
{%- for line in conf.get('lines', []) %}
        {{ line }}
{%- endfor %}
    - require:
      - file: vim-{{ user }}-dirs
      - file: vim-local-config
{%- endfor %}
