=== capitulo_1 ===
# capitulo:1
# personaje:diana
La campanilla de la puerta suena. El café huele a canela y a libros viejos.
# personaje:diana
—Bienvenida a El Diván. ¿Buscas algo para leer… o a alguien con quien hablar?
* [Algo para leer, gracias] # puntos:+5
    # personaje:diana
    —Entonces te dejo a solas con Lorca. Es buena compañía.
    -> despedida
* [A alguien con quien hablar] # relacion:diana:+2
    ~ relacion_diana = relacion_diana + 2
    # personaje:diana
    —Qué casualidad. Yo también. Siéntate, te preparo un café.
    -> despedida
* [Pedirle que te lea un poema #coste:20]
    # personaje:diana
    —«Volverán las oscuras golondrinas…». Bécquer nunca falla.
    -> despedida
* [Preguntarle por el diario cerrado #vip]
    # personaje:diana
    —Eso… es cosa de mi abuela Valeria. Quizá algún día te lo cuente.
    -> despedida

= despedida
# personaje:lucien
Lucien, el gato, se acomoda en tu regazo como si te conociera de siempre.
# final:primer_encuentro
-> END
