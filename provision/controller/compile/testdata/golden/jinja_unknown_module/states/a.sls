{% set x = salt['no_such.fn']() %}
