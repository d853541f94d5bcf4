// Diana's story. Entry file: chapters are INCLUDEd below. See docs/content-authoring.md.
INCLUDE capitulo1.ink

VAR relacion_diana = 0

-> capitulo_1
