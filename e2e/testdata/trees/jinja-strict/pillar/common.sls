greeting: hello
# value: {{ salt['grains.get']('ip4_interfaces:eth1')[0] }}
