{# Salt renders pillar on the master: these run on the controller #}
root_is_dir: {{ salt['file.directory_exists']('/') }}
from: {{ salt['cmd.run']('echo controller') }}
