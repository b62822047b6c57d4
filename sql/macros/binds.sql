{#
  Bind parameters every room may need beyond the plain ``:name``.

  in_list(name): ``in :name``, a list bound as an expanding parameter (SQLAlchemy writes out one
  placeholder per value). No SQL parser reads that form, so under sqlfluff (whose configuration
  sets sqlfluff_lint) the same predicate is written ``in (:name)``, which it parses. Import this
  file ``with context`` so the setting reaches it.
#}
{% macro in_list(name) -%}
    {% if sqlfluff_lint is defined %}in (:{{ name }}){% else %}in :{{ name }}{% endif %}
{%- endmacro %}
