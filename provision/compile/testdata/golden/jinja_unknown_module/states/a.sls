{% set x = salt['network.interfaces']() %}
