// Diana — la historia de Los Kinkys y El Diván. Archivo de entrada: declara las funciones del juego, las variables de la historia e incluye un capítulo por archivo. Ver docs/content-authoring.md.
// Pocas variables, y solo las que un capítulo posterior lee: el explorador cuenta como estado distinto cada combinación de variables, relaciones y pistas. Las que ya no se leen se vuelven a false.
EXTERNAL es_vip()
EXTERNAL besitos()
EXTERNAL relacion(personaje)
EXTERNAL nivel()
EXTERNAL tiene(item)

VAR conoce_cancion = false
VAR secreto_guardado = false
VAR aliado_gael = false
VAR nota_dejada = false
VAR pregunto_por_lucien = false
VAR duo_posible = false
VAR cancion = false
VAR gael_canta = false

INCLUDE capitulo1.ink
INCLUDE capitulo2.ink
INCLUDE capitulo3.ink
INCLUDE capitulo4.ink
INCLUDE capitulo5.ink

-> capitulo_1
